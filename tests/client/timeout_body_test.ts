import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  TusClient,
  TusCommunicationError,
  TusUploadFailed,
} from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes } from "../_helpers.ts";

// `timeout` covers the whole exchange, the response body included: an
// answer whose headers arrive at once and whose body never ends must time
// out. A backstop abort keeps a failing test from hanging; the request must
// fail on its own timeout, long before the backstop.

const TIMEOUT_MS = 500;
const BACKSTOP_MS = 8_000;

/** Runs `work` with a backstop signal; fails if the backstop had to fire. */
async function beforeBackstop<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const backstop = new AbortController();
  const timer = setTimeout(() => backstop.abort(), BACKSTOP_MS);
  try {
    return await work(backstop.signal);
  } finally {
    clearTimeout(timer);
    assert.equal(
      backstop.signal.aborted,
      false,
      "the request timeout did not cover the stalled body",
    );
  }
}

const clientOf = (url: string, maxRetries = 0) =>
  new TusClient(url, { timeout: TIMEOUT_MS, maxRetries, retryDelay: 1 });

describe("timeout and a response body that stalls", () => {
  test("a PATCH error answer whose body stalls times out", async () => {
    await using server = await startTusServer();
    server.faults.stallBodyNext({ method: "PATCH", count: Infinity });
    const error = await beforeBackstop((signal) =>
      clientOf(server.url).uploadFile({
        fileStream: randomBytes(4000),
        signal,
      }).then(() => null, (e: unknown) => e)
    );
    assert.ok(error instanceof TusUploadFailed, String(error));
    assert.equal(server.faults.pending, Infinity);
  });

  test("a stalled PATCH answer is retried like a timeout, and the upload completes", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(4000);
    server.faults.stallBodyNext({ method: "PATCH", status: 503 });
    const url = await beforeBackstop((signal) =>
      clientOf(server.url, 2).uploadFile({ fileStream: bytes, signal })
    );
    assert.deepEqual(server.bytesOf(url), bytes);
  });

  test("a POST error answer whose body stalls times out", async () => {
    await using server = await startTusServer();
    server.faults.stallBodyNext({ method: "POST", status: 400 });
    const error = await beforeBackstop((signal) =>
      clientOf(server.url).uploadFile({ fileStream: randomBytes(10), signal })
        .then(() => null, (e: unknown) => e)
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
  });

  test("an OPTIONS error answer whose body stalls times out", async () => {
    await using server = await startTusServer();
    server.faults.stallBodyNext({ method: "OPTIONS", status: 500 });
    const error = await beforeBackstop((signal) =>
      clientOf(server.url).getServerInfo({ signal }).then(
        () => null,
        (e: unknown) => e,
      )
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
  });

  test("an OPTIONS success whose body stalls is answered from its headers", async () => {
    await using server = await startTusServer();
    server.faults.stallBodyNext({
      method: "OPTIONS",
      status: 200,
      headers: { "Tus-Version": "1.0.0", "Tus-Extension": "creation" },
    });
    const info = await beforeBackstop((signal) =>
      clientOf(server.url).getServerInfo({ signal })
    );
    assert.deepEqual(info.extensions, ["creation"]);
  });

  test("a HEAD whose answer never comes times out (HEAD answers carry no body)", async () => {
    await using server = await startTusServer();
    const client = clientOf(server.url);
    const url = await client.uploadFile({
      fileStream: randomBytes(100),
      stopAt: 10,
    });
    server.faults.latency(BACKSTOP_MS * 2, { method: "HEAD" });
    const error = await beforeBackstop((signal) =>
      client.getUploadInfo(url, { signal }).then(() => null, (e: unknown) => e)
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
  });
});
