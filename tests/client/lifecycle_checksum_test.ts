import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusCommunicationError } from "../../mod.ts";
import { serve } from "../../src/runtime/serve.ts";
import {
  createTusApp,
  type RequestLogEntry,
  startTusServer,
  type TusServerOptions,
} from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256 } from "../_helpers.ts";
import { failureOf, lifecycleClient } from "./_lifecycle_api.ts";

const KIB = 1024;
const bytes = randomBytes(40 * KIB);
const options = { chunkSize: 16 * KIB, retryDelay: 1, maxRetries: 0 };
const WITHOUT_CHECKSUM = [
  "creation",
  "creation-with-upload",
  "creation-defer-length",
  "termination",
  "expiration",
  "concatenation",
];

/** The algorithm named by each PATCH's `Upload-Checksum` (`null`: none). */
function algorithms(requests: readonly RequestLogEntry[]): (string | null)[] {
  return requestsOf(requests, "PATCH").map((entry) =>
    entry.headers["upload-checksum"]?.split(" ")[0] ?? null
  );
}

describe("checksum: true negotiates with the server's OPTIONS", () => {
  const cases: [string, TusServerOptions, string | null][] = [
    ["sha1 when listed", {}, "sha1"],
    ["sha256 when the only one", { checksumAlgorithms: ["sha256"] }, "sha256"],
    ["sha512 when the only one", { checksumAlgorithms: ["sha512"] }, "sha512"],
    ["sha256 before sha512", {
      checksumAlgorithms: ["sha512", "sha256"],
    }, "sha256"],
    ["none without the extension", { extensions: WITHOUT_CHECKSUM }, null],
  ];
  for (const [name, serverOptions, expected] of cases) {
    test(name, async () => {
      await using server = await startTusServer(serverOptions);
      const url = await lifecycleClient(server.url, options).uploadFile({
        fileStream: bytes,
      });
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      assert.deepEqual(algorithms(server.requests), [
        expected,
        expected,
        expected,
      ]);
    });
  }

  test("none when the extension lists none of sha1, sha256, sha512", async () => {
    const tus = createTusApp();
    const served = await serve(async (request, connection) => {
      const response = await tus.app.fetch(request, { connection });
      if (request.method === "OPTIONS") {
        response.headers.set("Tus-Checksum-Algorithm", "md5,crc32");
      }
      return response;
    }, { hostname: "127.0.0.1", port: 0 });
    try {
      const endpoint = `http://127.0.0.1:${served.port}${tus.basePath}`;
      await lifecycleClient(endpoint, options).uploadFile({
        fileStream: bytes,
      });
      assert.deepEqual(algorithms(tus.requests), [null, null, null]);
    } finally {
      await served.close();
    }
  });

  test("the OPTIONS answer is asked once per client", async () => {
    await using server = await startTusServer({
      checksumAlgorithms: ["sha256"],
    });
    const client = lifecycleClient(server.url, options);
    await client.uploadFile({ fileStream: bytes });
    await client.uploadFile({ fileStream: randomBytes(20 * KIB, 2) });
    assert.equal(requestsOf(server.requests, "OPTIONS").length, 1);
    assert.deepEqual(new Set(algorithms(server.requests)), new Set(["sha256"]));
  });

  test("sha1 when the OPTIONS request fails", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 500, method: "OPTIONS" });
    const url = await lifecycleClient(server.url, options).uploadFile({
      fileStream: bytes,
    });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.equal(requestsOf(server.requests, "OPTIONS")[0]?.status, 500);
    assert.deepEqual(algorithms(server.requests), ["sha1", "sha1", "sha1"]);
  });

  test("a failed OPTIONS is not kept: the client's next upload asks again", async () => {
    await using server = await startTusServer({
      checksumAlgorithms: ["sha256", "sha1"],
    });
    server.faults.failNext({ status: 503, method: "OPTIONS" });
    const client = lifecycleClient(server.url, options);
    await client.uploadFile({ fileStream: bytes });
    const before = server.requests.length;
    await client.uploadFile({ fileStream: randomBytes(20 * KIB, 3) });
    const second = server.requests.slice(before);
    assert.deepEqual(
      requestsOf(server.requests, "OPTIONS").map((entry) => entry.status),
      [503, 204],
    );
    // sha1 after the failure (the fallback); then what the server lists.
    assert.deepEqual(new Set(algorithms(second)), new Set(["sha1"]));
  });
});

describe("an explicit algorithm", () => {
  test("is sent even to a server without the extension", async () => {
    await using server = await startTusServer({ extensions: WITHOUT_CHECKSUM });
    await lifecycleClient(server.url, { ...options, checksum: "sha256" })
      .uploadFile({ fileStream: bytes });
    assert.deepEqual(algorithms(server.requests), [
      "sha256",
      "sha256",
      "sha256",
    ]);
  });

  test("that the server does not list fails naming both, before any byte", async () => {
    await using server = await startTusServer({ checksumAlgorithms: ["sha1"] });
    const error = await failureOf(
      lifecycleClient(server.url, { ...options, checksum: "sha256" })
        .uploadFile({ fileStream: bytes }),
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.match(error.message, /sha256/);
    assert.match(error.message, /sha1/);
    assert.deepEqual(requestsOf(server.requests, "PATCH"), []);
    assert.ok(server.requests.every((entry) => entry.bodyBytes === 0));
  });
});
