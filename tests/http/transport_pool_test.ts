import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TusCommunicationError } from "../../src/errors.ts";
import { createUpload } from "../../src/http/create_upload.ts";
import { sendChunk } from "../../src/http/send_chunk.ts";
import { ConnectionPool, sendTusRequest } from "../../src/http/transport.ts";
import { resolveSettings } from "../../src/settings.ts";
import { createTusApp, startTusServer } from "../../src/testing/mod.ts";
import { TusClient } from "../../mod.ts";
import { randomBytes } from "../_helpers.ts";
import {
  type HttpsServer,
  selfSignedCertificate,
  serveHttps,
} from "../runtime/_https.ts";
import { holdingServer, settled } from "./_wire_helpers.ts";

/** The most requests of `entries` that were in the server at once. */
function mostAtOnce(
  entries: readonly { startedAt: number; durationMs: number }[],
): number {
  const edges = entries.flatMap((e) => [
    [e.startedAt, 1],
    [e.startedAt + e.durationMs, -1],
  ]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, now += step!);
  return most;
}

describe("the client's connection pool", () => {
  test("one client keeps at most 32 bodies in flight, however many uploads run", async () => {
    await using server = await startTusServer();
    server.faults.latency(40, { method: "PATCH" });
    const client = new TusClient(server.url, { retryDelay: 1 });
    const inputs = Array.from({ length: 80 }, (_, i) => randomBytes(2000, i));
    const urls = await Promise.all(
      inputs.map((fileStream) => client.uploadFile({ fileStream })),
    );
    urls.forEach((url, i) => assert.deepEqual(server.bytesOf(url), inputs[i]));
    const patches = server.requests.filter((r) => r.method === "PATCH");
    assert.equal(patches.length, 80);
    const most = mostAtOnce(patches);
    assert.ok(most <= 32, `${most} PATCH requests were in flight at once`);
  });

  test("an answer with a short body leaves its connection open for the next", async () => {
    const ports: number[] = [];
    await using server = await holdingServer((request, response) => {
      ports.push(request.socket.remotePort ?? 0);
      response.writeHead(200, {
        "Content-Type": "text/plain",
        "Content-Length": "6",
      });
      response.end("stored");
    });
    server.release();
    const transport = resolveSettings({}).transport;
    for (let i = 0; i < 3; i++) {
      const response = await sendTusRequest(transport, {
        method: "PATCH",
        url: server.url,
        action: `send chunk at offset ${i}`,
        body: new Uint8Array(1000),
      });
      assert.equal(response.status, 200);
    }
    assert.equal(new Set(ports).size, 1, `ports ${ports.join(", ")}`);
  });

  test("a creation with data goes out with Content-Length on the default path", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(100_000, 9);
    const created = await createUpload(resolveSettings({}).transport, {
      endpoint: server.url,
      length: bytes.length,
      metadata: null,
      headers: {},
      body: bytes,
    });
    assert.equal(created.offset, bytes.length);
    assert.deepEqual(server.bytesOf(created.url), bytes);
    const post = server.requests.find((r) => r.method === "POST")!;
    assert.equal(post.headers["content-length"], String(bytes.length));
    assert.equal(post.headers["transfer-encoding"], undefined);
  });

  test("a request waiting for a place can be aborted, and frees nothing it did not hold", async () => {
    await using server = await holdingServer();
    const transport = resolveSettings({}).transport;
    const pool = new ConnectionPool({
      maxSockets: 1,
      ownFetch: transport.fetch,
      direct: true,
    });
    const one = { ...transport, pool };
    const first = new AbortController();
    const holding = sendTusRequest(one, {
      method: "PATCH",
      url: server.url,
      action: "send chunk at offset 0",
      body: new Uint8Array(16 * 1024 * 1024),
      signal: first.signal,
    });
    await settled(() => server.requests.length);
    const second = new AbortController();
    const waiting = sendTusRequest(one, {
      method: "PATCH",
      url: server.url,
      action: "send chunk at offset 0",
      body: new Uint8Array(10),
      signal: second.signal,
    });
    second.abort(new Error("not needed"));
    const error = await waiting.then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.match(error.message, /aborted/);
    assert.equal(
      server.requests.length,
      1,
      "the waiting request never went out",
    );
    first.abort(new Error("done"));
    await holding.catch(() => {});
    // The place is free again.
    server.release();
    const response = await sendTusRequest(one, {
      method: "PATCH",
      url: server.url,
      action: "send chunk at offset 0",
      body: new Uint8Array(10),
    });
    assert.equal(response.status, 204);
  });
});

describe("a connection cut while the body goes out", () => {
  for (const counted of [true, false]) {
    test(`is named ECONNRESET (${counted ? "counted" : "not counted"})`, async () => {
      await using server = await startTusServer();
      const size = 3_000_000;
      const transport = resolveSettings({}).transport;
      const { url } = await createUpload(transport, {
        endpoint: server.url,
        length: size,
        metadata: null,
      });
      server.faults.cutNextPatch({ afterBytes: 500, count: Infinity });
      const error = await sendChunk(transport, {
        url,
        offset: 0,
        bytes: new Uint8Array(size),
        length: size,
        checksum: null,
        onSent: counted ? () => {} : undefined,
      }).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof TusCommunicationError, String(error));
      assert.match(
        error.message,
        /connection reset by the server \(ECONNRESET\)/,
      );
      assert.equal(error.statusCode, null);
    });
  }
});

describe("a counted PATCH over HTTPS", () => {
  let server: HttpsServer;
  let app: ReturnType<typeof createTusApp>;
  before(async () => {
    app = createTusApp();
    server = await serveHttps(
      await selfSignedCertificate(),
      (request) => app.app.fetch(request),
    );
  });
  after(async () => await server?.close());

  async function created(verifyTlsCert: boolean, length: number) {
    const transport = resolveSettings({ verifyTlsCert }).transport;
    const upload = await createUpload(transport, {
      endpoint: `${server.origin}${app.basePath}`,
      length,
      metadata: null,
      headers: {},
    });
    return { transport, url: upload.url };
  }

  test("verifyTlsCert false: every byte arrives, counted", async () => {
    const bytes = randomBytes(700_000, 11);
    const { transport, url } = await created(false, bytes.length);
    const calls: number[] = [];
    const result = await sendChunk(transport, {
      url,
      offset: 0,
      bytes,
      length: bytes.length,
      checksum: null,
      onSent: (n) => calls.push(n),
    });
    assert.equal(result.serverOffset, bytes.length);
    assert.deepEqual(app.bytesOf(url), bytes);
    assert.equal(calls.at(-1), bytes.length);
  });

  test("verifyTlsCert true: the certificate is refused and named", async () => {
    const transport = resolveSettings({}).transport;
    const error = await sendChunk(transport, {
      url: `${server.origin}${app.basePath}missing`,
      offset: 0,
      bytes: new Uint8Array(10),
      length: 10,
      checksum: null,
      onSent: () => {},
    }).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.match(error.message, /TLS certificate was not trusted/);
  });
});
