import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TusCommunicationError } from "../../src/errors.ts";
import { createUpload } from "../../src/http/create_upload.ts";
import { sendChunk } from "../../src/http/send_chunk.ts";
import { ConnectionPool, sendTusRequest } from "../../src/http/transport.ts";
import { resolveSettings } from "../../src/settings.ts";
import { createTusApp, startTusServer } from "../../src/testing/mod.ts";
import { randomBytes } from "../_helpers.ts";
import {
  type HttpsServer,
  selfSignedCertificate,
  serveHttps,
} from "../runtime/_https.ts";
import { holdingServer, settled } from "./_wire_helpers.ts";

describe("the client's connection pool", () => {
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
