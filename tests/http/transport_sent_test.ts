import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusCommunicationError } from "../../src/errors.ts";
import { sendChunk } from "../../src/http/send_chunk.ts";
import {
  ConnectionPool,
  sendTusRequest,
  type Transport,
} from "../../src/http/transport.ts";
import { resolveSettings } from "../../src/settings.ts";
import type { TusClientOptions } from "../../src/options.ts";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { closedPort, randomBytes } from "../_helpers.ts";
import { holdingServer, increasing, settled } from "./_wire_helpers.ts";

const HELD_BYTES = 16 * 1024 * 1024;

/** The client's transport, its pool replaced when `direct` is given. */
function transportOf(
  options: TusClientOptions = {},
  pool?: { direct: boolean; maxSockets?: number },
): Transport {
  const transport = resolveSettings(options).transport;
  if (pool === undefined) return transport;
  return {
    ...transport,
    pool: new ConnectionPool({
      maxSockets: pool.maxSockets ?? 8,
      ownFetch: transport.fetch,
      direct: pool.direct,
    }),
  };
}

async function created(server: TusServer, length: number): Promise<string> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(length) },
  });
  await response.body?.cancel();
  return new URL(response.headers.get("Location")!, server.url).href;
}

/** The PATCH headers the server logged. */
function patchHeaders(server: TusServer): Readonly<Record<string, string>> {
  const logged = server.requests.filter((r) => r.effectiveMethod === "PATCH");
  assert.equal(logged.length, 1);
  return logged[0]!.headers;
}

const SMALL = 1_500_000;
/** Past the size from which Bun's direct path streams an uncounted body. */
const LARGE = 5_000_000;

const PATHS: readonly [string, () => Transport, boolean, number][] = [
  ["counted, over the client's pool", () => transportOf(), true, SMALL],
  ["counted, a large body", () => transportOf(), true, LARGE],
  [
    "uncounted, pool sending directly",
    () => transportOf({}, { direct: true }),
    false,
    SMALL,
  ],
  [
    "uncounted, a large body sent directly",
    () => transportOf({}, { direct: true }),
    false,
    LARGE,
  ],
  [
    "uncounted, through fetch",
    () => transportOf({}, { direct: false }),
    false,
    SMALL,
  ],
  [
    "counted, injected fetch",
    () => transportOf({ fetch: (i, n) => fetch(i, n) }),
    true,
    SMALL,
  ],
  [
    "counted, method override",
    () => transportOf({ overridePatchMethod: true }),
    true,
    SMALL,
  ],
];

describe("a PATCH body on every path", () => {
  for (const [name, make, counted, size] of PATHS) {
    test(`${name}: Content-Length, no chunking, the bytes stored`, async () => {
      await using server = await startTusServer();
      const bytes = randomBytes(size, 3);
      const url = await created(server, bytes.length);
      const calls: number[] = [];
      const result = await sendChunk(make(), {
        url,
        offset: 0,
        bytes,
        length: bytes.length,
        checksum: null,
        onSent: counted ? (n) => calls.push(n) : undefined,
      });
      assert.equal(result.serverOffset, bytes.length);
      assert.deepEqual(server.bytesOf(url), bytes);
      const headers = patchHeaders(server);
      assert.equal(headers["content-length"], String(bytes.length));
      assert.equal(headers["transfer-encoding"], undefined);
      if (counted) {
        assert.equal(calls.at(-1), bytes.length);
        assert.ok(increasing(calls));
      }
    });
  }
});

describe("onSent", () => {
  test("reports bytes while the server is still receiving, at most every 100 ms", async () => {
    await using server = await holdingServer();
    const calls: { sent: number; at: number }[] = [];
    const sending = sendTusRequest(transportOf(), {
      method: "PATCH",
      url: server.url,
      action: "send chunk at offset 0",
      body: new Uint8Array(HELD_BYTES),
      onSent: (sent) => calls.push({ sent, at: Date.now() }),
    });
    const stalled = await settled(() => calls.at(-1)?.sent ?? 0);
    assert.ok(stalled > 0 && stalled < HELD_BYTES, `stalled at ${stalled}`);
    assert.ok(server.requests[0]!.received < HELD_BYTES);
    server.release();
    const response = await sending;
    assert.equal(response.status, 204);
    const sent = calls.map((call) => call.sent);
    assert.equal(sent.at(-1), HELD_BYTES);
    assert.ok(increasing(sent));
    // Every call but the last comes at least 100 ms after the one before.
    for (let i = 1; i < calls.length - 1; i++) {
      assert.ok(calls[i]!.at - calls[i - 1]!.at >= 99, `call ${i} too soon`);
    }
    assert.equal(server.requests[0]!.headers["transfer-encoding"], undefined);
  });

  test("a request that onBeforeRequest replaced goes through fetch as is", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(200_000, 5);
    const url = await created(server, bytes.length);
    const calls: number[] = [];
    const transport = transportOf({
      onBeforeRequest: (request) => {
        const headers = new Headers(request.headers);
        headers.set("X-Replaced", "yes");
        return new Request(request, { headers });
      },
    });
    await sendChunk(transport, {
      url,
      offset: 0,
      bytes,
      length: bytes.length,
      checksum: null,
      onSent: (n) => calls.push(n),
    });
    const headers = patchHeaders(server);
    assert.equal(headers["x-replaced"], "yes");
    assert.equal(headers["content-length"], String(bytes.length));
    assert.deepEqual(server.bytesOf(url), bytes);
    assert.deepEqual(calls, [bytes.length]);
  });

  test("onAfterResponse and the logger see a counted PATCH", async () => {
    await using server = await startTusServer();
    const url = await created(server, 10);
    const seen: string[] = [];
    const transport = transportOf({
      onAfterResponse: (request, response) => {
        assert.ok(response instanceof Response);
        seen.push(`${request.method} ${response.status}`);
      },
      logger: (event) => seen.push(event.type),
    });
    await sendChunk(transport, {
      url,
      offset: 0,
      bytes: new Uint8Array(10),
      length: 10,
      checksum: null,
      onSent: () => {},
    });
    assert.deepEqual(seen, ["request", "response", "PATCH 204"]);
  });
});

describe("failures of a counted PATCH", () => {
  const counted = (url: string, signal?: AbortSignal) => ({
    method: "PATCH" as const,
    url,
    action: "send chunk at offset 0",
    body: new Uint8Array(HELD_BYTES),
    signal,
    onSent: () => {},
  });

  test("an abort mid-body rejects with the abort reason as cause", async () => {
    await using server = await holdingServer();
    const controller = new AbortController();
    const reason = new Error("user stopped");
    const sending = sendTusRequest(
      transportOf(),
      counted(server.url, controller.signal),
    );
    await settled(() => server.requests.length);
    controller.abort(reason);
    const error = await sending.then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.match(error.message, /aborted/);
    assert.equal(error.cause, reason);
  });

  test("a timeout covers a body the server does not read", async () => {
    await using server = await holdingServer();
    const error = await sendTusRequest(
      transportOf({ timeout: 300 }),
      counted(server.url),
    ).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.match(error.message, /no complete answer within 300 ms/);
  });

  test("a refused connection is named", async () => {
    const port = await closedPort();
    const error = await sendTusRequest(
      transportOf(),
      counted(`http://127.0.0.1:${port}/files/x`),
    ).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.match(error.message, /connection refused \(ECONNREFUSED\)/);
  });

  test("a PATCH waiting for a free connection is not timed yet", async () => {
    await using server = await startTusServer();
    const remove = server.faults.latency(700, { method: "PATCH" });
    const transport = transportOf({ timeout: 1_300 }, {
      direct: true,
      maxSockets: 1,
    });
    const urls = [await created(server, 4), await created(server, 4)];
    await Promise.all(urls.map((url) =>
      sendChunk(transport, {
        url,
        offset: 0,
        bytes: new Uint8Array(4),
        length: 4,
        checksum: null,
      })
    ));
    remove();
    const patches = server.requests.filter((r) => r.method === "PATCH");
    assert.equal(patches.length, 2);
    // One after the other: the second started once the first was answered.
    assert.ok(patches[1]!.startedAt >= patches[0]!.startedAt + 600);
  });
});
