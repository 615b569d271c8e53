import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient, TusUploadFailed } from "../../mod.ts";
import { type RequestLogEntry, startTusServer } from "../../src/testing/mod.ts";
import { randomBytes } from "../_helpers.ts";

// An abort must cancel the request in flight, not only reject: the server
// sees the connection closed before it answered. Its PATCH is held by a
// latency fault far longer than the test waits for that proof.

const HELD_MS = 6_000;

/** Polls `find` every 10 ms for up to `ms`. */
async function waitFor<T>(find: () => T | undefined, ms: number): Promise<T> {
  for (let waited = 0; waited < ms; waited += 10) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Cannot wait: nothing after ${ms} ms`);
}

describe("an abort while a request is in flight", () => {
  test("closes the PATCH's connection: the server logs clientClosed", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, {
      chunkSize: 1000,
      maxRetries: 0,
    });
    server.faults.latency(HELD_MS, { method: "PATCH" });
    const controller = new AbortController();
    const upload = client.uploadFile({
      fileStream: randomBytes(5000),
      signal: controller.signal,
    }).then(() => null, (e: unknown) => e);
    // The POST is answered, then the PATCH arrives and is held.
    await waitFor(
      () => server.requests.some((r) => r.method === "POST") || undefined,
      HELD_MS,
    );
    await waitFor(() => server.inFlight === 1 || undefined, HELD_MS);
    controller.abort(new Error("stop"));
    assert.ok(await upload instanceof TusUploadFailed);

    const patch: RequestLogEntry = await waitFor(
      () => server.requests.find((r) => r.method === "PATCH"),
      HELD_MS * 2,
    );
    assert.equal(patch.clientClosed, true, "the PATCH was left in flight");
    assert.equal(patch.status, 0);
    assert.equal(server.uploads()[0]?.offset, 0, "no byte stored late");
  });

  test("closes a HEAD's connection too", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, { maxRetries: 0 });
    const url = await client.uploadFile({
      fileStream: randomBytes(100),
      stopAt: 10,
    });
    server.faults.latency(HELD_MS, { method: "HEAD" });
    const controller = new AbortController();
    const info = client.getUploadInfo(url, { signal: controller.signal })
      .then(() => null, (e: unknown) => e);
    await waitFor(() => server.inFlight === 1 || undefined, HELD_MS);
    controller.abort(new Error("stop"));
    assert.ok(await info instanceof Error);
    const head = await waitFor(
      () => server.requests.find((r) => r.method === "HEAD"),
      HELD_MS * 2,
    );
    assert.equal(head.clientClosed, true, "the HEAD was left in flight");
  });
});
