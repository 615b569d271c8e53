import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusCommunicationError, TusUploadFailed } from "../../mod.ts";
import { type RequestLogEntry, startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";
import { failureOf, lifecycleClient } from "./_lifecycle_api.ts";

const KIB = 1024;
const bytes = randomBytes(48 * KIB);
const options = { chunkSize: 16 * KIB, retryDelay: 1, maxRetries: 3 };

/**
 * `"PATCH@16384 204"` for a PATCH (with its offset), `"HEAD 200"` else;
 * without OPTIONS (asked once, for checksums).
 */
function trace(requests: readonly RequestLogEntry[]): string[] {
  return requests.filter((entry) => entry.method !== "OPTIONS").map((entry) =>
    entry.method === "PATCH"
      ? `PATCH@${entry.headers["upload-offset"]} ${entry.status}`
      : `${entry.method} ${entry.status}`
  );
}

/**
 * The requests after the first one matching `failed`, without a copy of it
 * that the runtime's fetch re-sent by itself (Deno does once, on a cut).
 */
function after(
  requests: readonly RequestLogEntry[],
  failed: (entry: RequestLogEntry) => boolean,
): string[] {
  const index = requests.findIndex(failed);
  assert.ok(index >= 0, "the fault fired");
  const lost = requests[index] as RequestLogEntry;
  const rest = requests.slice(index + 1);
  const [next] = rest;
  const resent = next?.method === "PATCH" && next.status === 0 &&
    next.headers["upload-offset"] === lost.headers["upload-offset"];
  return trace(resent ? rest.slice(1) : rest);
}

describe("a failed PATCH is followed by a HEAD, never a stale re-send", () => {
  test("a lost answer to a stored chunk against a server that closes stale PATCHes", async () => {
    await using server = await startTusServer();
    server.faults.loseNextPatchResponse();
    server.faults.dropStalePatches(); // as @tus/server answers a stale offset
    const url = await lifecycleClient(server.url, options).uploadFile({
      fileStream: bytes,
    });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const rest = after(server.requests, (entry) => entry.status === 0);
    assert.deepEqual(rest, [
      "HEAD 200",
      "PATCH@16384 204",
      "PATCH@32768 204",
    ]);
  });

  for (const status of [500, 503, 423, 429]) {
    test(`a ${status} after the chunk was stored: HEAD, then the next chunk`, async () => {
      await using server = await startTusServer();
      server.faults.storeNextPatchThenAnswer({ status });
      const url = await lifecycleClient(server.url, options).uploadFile({
        fileStream: bytes,
      });
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      assert.deepEqual(trace(server.requests), [
        "POST 201",
        `PATCH@0 ${status}`,
        "HEAD 200",
        "PATCH@16384 204",
        "PATCH@32768 204",
      ]);
    });
  }

  test("a timeout is followed by a HEAD", async () => {
    await using server = await startTusServer();
    const stop = server.faults.latency(1500, { method: "PATCH" });
    const client = lifecycleClient(server.url, {
      ...options,
      timeout: 400,
      onBeforeRequest: (request) => {
        if (request.method === "HEAD") stop();
      },
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const firstPatch = server.requests.findIndex((e) => e.method === "PATCH");
    const next = server.requests.slice(firstPatch + 1).find((entry) =>
      entry.method !== "PATCH" || entry.status !== 0
    );
    assert.equal(next?.method, "HEAD", trace(server.requests).join(", "));
  });

  test("a 460 re-sends the same bytes without a HEAD", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 460, method: "PATCH" });
    const url = await lifecycleClient(server.url, options).uploadFile({
      fileStream: bytes,
    });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.deepEqual(trace(server.requests), [
      "POST 201",
      "PATCH@0 460",
      "PATCH@0 204",
      "PATCH@16384 204",
      "PATCH@32768 204",
    ]);
  });
});

describe("the retry budget restarts on progress", () => {
  test("maxRetries 1: a 500 whose chunk was stored, a HEAD showing it, then another 500 is retried", async () => {
    await using server = await startTusServer();
    server.faults.storeNextPatchThenAnswer({ status: 500 });
    let armed = false;
    const client = lifecycleClient(server.url, {
      ...options,
      maxRetries: 1,
      onAfterResponse(request) {
        // Once a HEAD showed the progress, the next PATCH fails once more.
        if (request.method === "HEAD" && !armed) {
          armed = true;
          server.faults.failNext({ status: 500, method: "PATCH" });
        }
      },
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const patches = trace(server.requests).filter((r) => r.startsWith("PATCH"));
    assert.deepEqual(patches, [
      "PATCH@0 500",
      "PATCH@16384 500",
      "PATCH@16384 204",
      "PATCH@32768 204",
    ]);
  });
});

describe("a HEAD that knows the length fixes it (stream of unknown length)", () => {
  test("resuming a stream whose last answer was lost ends done, sending nothing", async () => {
    await using server = await startTusServer();
    const small = randomBytes(10 * KIB);
    server.faults.loseNextPatchResponse();
    server.faults.dropStalePatches();
    // The first process cannot learn what happened: its HEAD fails too.
    server.faults.failNext({ status: 503, method: "HEAD", count: 10 });
    const client = lifecycleClient(server.url, {
      ...options,
      chunkSize: 64 * KIB,
      maxRetries: 0,
    });
    const error = await failureOf(
      client.uploadFile({ fileStream: streamOf(small) }),
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
    const [upload] = server.uploads();
    assert.equal(upload?.complete, true, "the server holds every byte");
    server.faults.clear();
    const before = server.requests.length;
    const url = await client.resumeUpload({
      fileStream: streamOf(small),
      uploadUrl: upload?.url ?? "",
    });
    assert.equal(url, upload?.url);
    assert.deepEqual(trace(server.requests.slice(before)), ["HEAD 200"]);
    assert.equal(sha256(server.bytesOf(url)), sha256(small));
  });

  test("after a cut last chunk, no PATCH declares Upload-Length again", async () => {
    await using server = await startTusServer();
    server.faults.refuseKnownUploadLength(); // as @tus/server does
    let armed = false;
    const client = lifecycleClient(server.url, {
      ...options,
      onAfterResponse(request, response) {
        // Cut the last chunk (the one declaring Upload-Length) mid-body.
        if (
          !armed && request.method === "PATCH" &&
          response.headers.get("Upload-Offset") === String(32 * KIB)
        ) {
          armed = true;
          server.faults.cutNextPatch({ afterBytes: 4000 });
        }
      },
    });
    const url = await client.uploadFile({ fileStream: streamOf(bytes) });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const firstHead = server.requests.findIndex((e) => e.method === "HEAD");
    assert.ok(firstHead > 0, trace(server.requests).join(", "));
    const declaring = server.requests.slice(firstHead).filter((entry) =>
      entry.method === "PATCH" && "upload-length" in entry.headers
    );
    assert.deepEqual(trace(declaring), [], "the HEAD gave the length");
  });
});

describe("a 4xx after another process completed the upload", () => {
  for (const status of [400, 403]) {
    test(`a ${status} on a PATCH whose upload is complete ends done after one HEAD`, async () => {
      await using server = await startTusServer();
      const small = randomBytes(12 * KIB);
      server.faults.storeNextPatchThenAnswer({ status });
      const url = await lifecycleClient(server.url, options).uploadFile({
        fileStream: small,
      });
      assert.equal(sha256(server.bytesOf(url)), sha256(small));
      assert.deepEqual(trace(server.requests), [
        "POST 201",
        `PATCH@0 ${status}`,
        "HEAD 200",
      ]);
    });
  }

  test("a 403 with nothing stored still fails, after at most one HEAD", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 403, method: "PATCH" });
    const error = await failureOf(
      lifecycleClient(server.url, options).uploadFile({ fileStream: bytes }),
    );
    assert.ok(error instanceof TusUploadFailed, String(error));
    assert.equal(error.statusCode, 403);
    const heads = server.requests.filter((e) => e.method === "HEAD").length;
    assert.ok(heads <= 1, trace(server.requests).join(", "));
    assert.equal(server.requests.filter((e) => e.method === "PATCH").length, 1);
  });
});

describe("creation and termination retries", () => {
  test("a POST whose connection is refused is retried under maxRetries", async () => {
    const closed = await startTusServer();
    const endpoint = closed.url;
    await closed.close();
    let posts = 0;
    const client = lifecycleClient(endpoint, {
      ...options,
      maxRetries: 2,
      onBeforeRequest: (request) => {
        if (request.method === "POST") posts++;
      },
    });
    const error = await failureOf(client.uploadFile({ fileStream: bytes }));
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.equal(posts, 3, "one POST and two retries");
  });

  test("a POST answered 503 is not retried", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 503, method: "POST", count: 3 });
    const error = await failureOf(
      lifecycleClient(server.url, options).uploadFile({ fileStream: bytes }),
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.equal(error.statusCode, 503);
    assert.deepEqual(trace(server.requests), ["POST 503"]);
  });

  test("deleteUpload retries a 503 and a 423, then deletes", async () => {
    await using server = await startTusServer();
    const client = lifecycleClient(server.url, options);
    const url = await client.uploadFile({ fileStream: randomBytes(KIB) });
    server.faults.failNext({ status: 503, method: "DELETE" });
    server.faults.failNext({ status: 423, method: "DELETE" });
    await client.deleteUpload(url);
    assert.notEqual(server.uploadOf(url)?.gone, null);
    assert.deepEqual(
      trace(server.requests.filter((e) => e.method === "DELETE")),
      ["DELETE 503", "DELETE 423", "DELETE 204"],
    );
  });

  test("deleteUpload counts 410 as deleted", async () => {
    await using server = await startTusServer();
    const client = lifecycleClient(server.url, options);
    const url = await client.uploadFile({ fileStream: randomBytes(KIB) });
    server.faults.forget(url, 410);
    await client.deleteUpload(url);
  });
});
