/**
 * A stream body of a known length: sent with its `Content-Length` (never
 * chunked) on every path, counted as it leaves, and failed, never sent
 * short, when the stream has another length than announced.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { TusCommunicationError } from "../../src/errors.ts";
import { sendChunk } from "../../src/http/send_chunk.ts";
import {
  ConnectionPool,
  sendTusRequest,
  type Transport,
} from "../../src/http/transport.ts";
import { countedStreamSend } from "../../src/runtime/counted_send.ts";
import { resolveSettings } from "../../src/settings.ts";
import type { TusClientOptions } from "../../src/options.ts";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { randomBytes, sha256, streamOf } from "../_helpers.ts";
import { holdingServer, increasing, settled } from "./_wire_helpers.ts";

/** More than loopback socket buffers hold, so a held body stays unsent. */
const HELD_BYTES = 16 * 1024 * 1024;
const PIECE = 1024 * 1024;

const patch = (url: string, signal?: AbortSignal) =>
  new Request(url, {
    method: "PATCH",
    headers: {
      "Tus-Resumable": "1.0.0",
      "Upload-Offset": "0",
      "Content-Type": "application/offset+octet-stream",
    },
    signal,
  });

/** `bytes` in pieces, recording whether the stream was cancelled. */
function watched(bytes: Uint8Array, piece = PIECE) {
  let at = 0;
  const state = { cancelled: false, pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const end = Math.min(at + piece, bytes.length);
      controller.enqueue(bytes.subarray(at, end));
      state.pulled = end;
      at = end;
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

async function created(server: TusServer, length: number): Promise<string> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(length) },
  });
  await response.body?.cancel();
  return new URL(response.headers.get("Location")!, server.url).href;
}

function patchHeaders(server: TusServer): Readonly<Record<string, string>> {
  const logged = server.requests.filter((r) => r.effectiveMethod === "PATCH");
  assert.equal(logged.length, 1);
  return logged[0]!.headers;
}

/** A server that answers 413 at once, never reading a request body. */
async function earlyServer(): Promise<
  { url: string; connections: () => number } & AsyncDisposable
> {
  let connections = 0;
  const server = createServer((_request, response) => {
    response.writeHead(413, { "Content-Length": "9" });
    response.end("too large");
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/files/1`,
    connections: () => connections,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The client's transport; its own pool unless `fetch` is injected. */
function transportOf(options: TusClientOptions = {}): Transport {
  return resolveSettings(options).transport;
}

describe("countedStreamSend", () => {
  test("sends Content-Length and counts pieces while the server holds the body", async () => {
    await using server = await holdingServer();
    const bytes = randomBytes(HELD_BYTES);
    const { stream } = watched(bytes);
    const calls: number[] = [];
    const sending = countedStreamSend(
      patch(server.url),
      stream,
      bytes.length,
      (n) => calls.push(n),
    );
    const stalled = await settled(() => calls.at(-1) ?? 0);
    assert.ok(stalled > 0 && stalled < bytes.length, `stalled at ${stalled}`);
    server.release();
    const response = await sending;
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("Upload-Offset"), String(bytes.length));
    assert.equal(calls.at(-1), bytes.length);
    assert.ok(increasing(calls), "onSent values only grow");
    const headers = server.requests[0]!.headers;
    assert.equal(headers["content-length"], String(bytes.length));
    assert.equal(headers["transfer-encoding"], undefined);
  });

  test("a stream that ends short fails before the server has it all", async () => {
    await using server = await holdingServer();
    server.release();
    const bytes = randomBytes(3 * PIECE);
    const { stream } = watched(bytes.subarray(0, 2 * PIECE + 5));
    await assert.rejects(
      countedStreamSend(patch(server.url), stream, bytes.length, () => {}),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot send request: the body stream ended after ${
            2 * PIECE + 5
          } of ${bytes.length} bytes`,
    );
    const received = await settled(() => server.requests[0]?.received ?? 0);
    assert.ok(received < bytes.length, `received ${received}`);
  });

  test("a stream that runs long fails without sending its last piece", async () => {
    await using server = await holdingServer();
    server.release();
    const length = 2 * PIECE;
    const { stream, state } = watched(randomBytes(length + 10));
    await assert.rejects(
      countedStreamSend(patch(server.url), stream, length, () => {}),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot send request: the body stream has more than ${length} bytes`,
    );
    assert.ok(state.cancelled, "the stream was cancelled");
    const received = await settled(() => server.requests[0]?.received ?? 0);
    assert.ok(received <= PIECE, `received ${received}`);
    // The server never answered a complete request.
    assert.equal(server.requests.length, 1);
  });

  test("an abort mid-stream rejects with its reason and cancels the stream", async () => {
    await using server = await holdingServer();
    const bytes = randomBytes(HELD_BYTES);
    const { stream, state } = watched(bytes);
    const controller = new AbortController();
    const calls: number[] = [];
    const sending = countedStreamSend(
      patch(server.url, controller.signal),
      stream,
      bytes.length,
      (n) => calls.push(n),
    );
    await settled(() => calls.at(-1) ?? 0);
    const reason = new Error("stop here");
    controller.abort(reason);
    await assert.rejects(sending, (error: unknown) => error === reason);
    assert.ok(state.cancelled, "the stream was cancelled");
    assert.ok(state.pulled < bytes.length, `pulled ${state.pulled}`);
  });

  test("an answer before the body is read cancels the stream and frees the connection", async () => {
    await using server = await earlyServer();
    const pool = { maxSockets: 1, rejectUnauthorized: true };
    const { stream, state } = watched(randomBytes(HELD_BYTES));
    const response = await countedStreamSend(
      patch(server.url),
      stream,
      HELD_BYTES,
      () => {},
      { pool },
    );
    assert.equal(response.status, 413);
    assert.equal(await response.text(), "too large");
    for (let i = 0; i < 100 && !state.cancelled; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(state.cancelled, "the stream was cancelled");
    assert.ok(state.pulled < HELD_BYTES, `pulled ${state.pulled}`);
    // The pool's one connection place serves the next request.
    const next = await countedStreamSend(
      patch(server.url),
      streamOf(new Uint8Array(10)),
      10,
      () => {},
      { pool },
    );
    assert.equal(next.status, 413);
    await next.body?.cancel();
    // The first connection, holding a body cut short, was not reused.
    assert.equal(server.connections(), 2);
  });

  test("a stream whose read fails rejects with its error", async () => {
    await using server = await holdingServer();
    server.release();
    const failure = new Error("Cannot read file: gone");
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 2) throw failure;
        controller.enqueue(new Uint8Array(PIECE));
      },
    }, { highWaterMark: 0 });
    await assert.rejects(
      countedStreamSend(patch(server.url), stream, 4 * PIECE, () => {}),
      (error: unknown) => error === failure,
    );
  });
});

describe("sendChunk with a stream", () => {
  const paths: readonly [string, () => Transport][] = [
    ["over the client's pool", () => transportOf()],
    [
      "a hook that keeps the request",
      () => transportOf({ onBeforeRequest: () => {} }),
    ],
  ];
  for (const [name, transportFor] of paths) {
    test(`${name}: Content-Length, never chunked, counted`, async () => {
      await using server = await startTusServer();
      const bytes = randomBytes(5 * PIECE + 3);
      const url = await created(server, bytes.length);
      const calls: number[] = [];
      const result = await sendChunk(transportFor(), {
        url,
        offset: 0,
        bytes: streamOf(bytes, 300_000),
        length: bytes.length,
        checksum: null,
        onSent: (n) => calls.push(n),
      });
      assert.equal(result.serverOffset, bytes.length);
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      const headers = patchHeaders(server);
      assert.equal(headers["content-length"], String(bytes.length));
      assert.equal(headers["transfer-encoding"], undefined);
      assert.equal(calls.at(-1), bytes.length);
      assert.ok(increasing(calls), "onSent values only grow");
    });
  }

  test("an injected fetch gets the Content-Length header on the Request", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(2 * PIECE + 1);
    const url = await created(server, bytes.length);
    const seen: (string | null)[] = [];
    const transport = transportOf({
      fetch: (input, init) => {
        seen.push((input as Request).headers.get("content-length"));
        return fetch(input, init);
      },
    });
    const calls: number[] = [];
    await sendChunk(transport, {
      url,
      offset: 0,
      bytes: streamOf(bytes),
      length: bytes.length,
      checksum: null,
      onSent: (n) => calls.push(n),
    });
    assert.deepEqual(seen, [String(bytes.length)]);
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    // No view of the connection: the whole length once, at the answer.
    assert.deepEqual(calls, [bytes.length]);
  });

  test("a short stream fails the PATCH naming what happened", async () => {
    await using server = await startTusServer();
    const url = await created(server, 3 * PIECE);
    const { stream } = watched(new Uint8Array(PIECE));
    const error = await sendChunk(transportOf(), {
      url,
      offset: 0,
      bytes: stream,
      length: 3 * PIECE,
      checksum: null,
    }).then(() => null, (error: unknown) => error);
    assert.ok(error instanceof TusCommunicationError);
    assert.match(
      error.message,
      /^Cannot send chunk at offset 0: the body stream ended after 1048576 of 3145728 bytes \(PATCH /,
    );
    assert.ok((server.bytesOf(url)?.length ?? 0) < 3 * PIECE);
  });

  test("a stream still waiting for the pool is cancelled by an abort", async () => {
    await using server = await startTusServer();
    const url = await created(server, 10);
    const transport: Transport = {
      ...transportOf(),
      pool: new ConnectionPool({
        maxSockets: 1,
        ownFetch: globalThis.fetch,
        direct: true,
      }),
    };
    const transportWithOwn = { ...transport, fetch: globalThis.fetch };
    const release = await transport.pool!.acquire();
    const { stream, state } = watched(new Uint8Array(10));
    const controller = new AbortController();
    const waiting = sendTusRequest(transportWithOwn, {
      method: "PATCH",
      url,
      action: "send chunk at offset 0",
      body: stream,
      bodyLength: 10,
      signal: controller.signal,
    });
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, TusCommunicationError);
    release();
    assert.ok(state.cancelled, "the stream was cancelled");
  });
});
