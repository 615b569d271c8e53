import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import {
  bytes,
  byteStream,
  checksumOf,
  create,
  patch,
  send,
  TUS,
} from "./_helpers.ts";

const MiB = 1 << 20;

/** Waits until `check` holds (polling), failing after `ms`. */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) assert.fail("condition not reached");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A body whose pieces are pushed by the test. */
function pushedBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
  });
  return { body, controller };
}

function offsetOf(server: TusServer, url: string): number {
  return server.uploadOf(url)?.offset ?? -1;
}

describe("streamed PATCH", () => {
  test("is stored piece by piece as it arrives", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": String(2 * MiB) });
    const { body, controller } = pushedBody();
    const answer = patch(url, 0, body);
    controller.enqueue(new Uint8Array(MiB).fill(1));
    await until(() => offsetOf(server, url) === MiB);
    controller.enqueue(new Uint8Array(MiB).fill(2));
    controller.close();
    const done = await answer;
    assert.equal(done.status, 204);
    assert.equal(done.headers.get("Upload-Offset"), String(2 * MiB));
    const stored = server.bytesOf(url);
    assert.equal(stored?.[MiB - 1], 1);
    assert.equal(stored?.[MiB], 2);
  });

  for (const withChecksum of [false, true]) {
    test(`keeps ${withChecksum ? "nothing (checksum)" : "what arrived"} when the client goes away`, async () => {
      await using server = await startTusServer();
      const url = await create(server.url, {
        "Upload-Length": String(4 * MiB),
      });
      const { body, controller } = pushedBody();
      const abort = new AbortController();
      const headers: Record<string, string> = withChecksum
        ? { "Upload-Checksum": await checksumOf("sha1", new Uint8Array(1)) }
        : {};
      const answer = fetch(url, {
        method: "PATCH",
        headers: {
          "Tus-Resumable": "1.0.0",
          "Upload-Offset": "0",
          "Content-Type": "application/offset+octet-stream",
          ...headers,
        },
        body,
        duplex: "half",
        signal: abort.signal,
      } as RequestInit);
      controller.enqueue(new Uint8Array(MiB));
      // A checksum holds the bytes back: the offset cannot show them.
      if (withChecksum) await new Promise((ok) => setTimeout(ok, 100));
      else await until(() => offsetOf(server, url) === MiB);
      abort.abort();
      await assert.rejects(answer);
      await until(() => server.requests.length === 2);
      assert.equal(server.requests[1]?.status, 0);
      assert.equal(server.requests[1]?.bodyBytes, MiB);
      assert.equal(offsetOf(server, url), withChecksum ? 0 : MiB);
    });
  }

  test("of 16 MiB streams into a discarding server", async () => {
    await using server = await startTusServer({ discardBytes: true });
    const size = 16 * MiB;
    const url = await create(server.url, { "Upload-Length": String(size) });
    const answer = await patch(url, 0, byteStream(size));
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("Upload-Offset"), String(size));
    assert.equal(server.uploadOf(url)?.complete, true);
    assert.equal(server.bytesOf(url), null);
  });

  test("locks the upload: another PATCH or a DELETE meanwhile gets 423", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "10" });
    const { body, controller } = pushedBody();
    const first = patch(url, 0, body);
    controller.enqueue(bytes("12345"));
    await until(() => offsetOf(server, url) === 5);
    assert.equal((await patch(url, 5, bytes("67890"))).status, 423);
    assert.equal(
      (await send(url, { method: "DELETE", headers: TUS })).status,
      423,
    );
    controller.close();
    assert.equal((await first).status, 204);
    assert.equal((await patch(url, 5, bytes("67890"))).status, 204);
  });

  test("is not handled when the client gave up during a latency fault", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.latency(300, { method: "PATCH" });
    await assert.rejects(
      fetch(url, {
        method: "PATCH",
        headers: {
          ...TUS,
          "Upload-Offset": "0",
          "Content-Type": "application/offset+octet-stream",
        },
        body: bytes("hello"),
        signal: AbortSignal.timeout(50),
      }),
    );
    await until(() => server.requests.length === 2);
    assert.equal(server.requests[1]?.status, 0);
    assert.equal(offsetOf(server, url), 0);
  });
});
