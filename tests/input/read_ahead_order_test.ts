import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

const KIB = 1024;
const CHUNK = 16 * KIB;
const PIECE = 4 * KIB;

/** A stream that notes, in `events`, the offset of each piece it gives. */
function notingStream(
  bytes: Uint8Array,
  events: string[],
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      events.push(`read ${at}`);
      controller.enqueue(bytes.slice(at, at + PIECE));
      at += PIECE;
    },
  }, { highWaterMark: 0 });
}

describe("read-ahead overlaps the request in flight", () => {
  for (const checksum of ["sha1", false] as const) {
    test(`checksum ${checksum}: a stream's next chunk is read once the current PATCH is on its way, before its answer`, async () => {
      await using server = await startTusServer();
      const bytes = randomBytes(5 * CHUNK, 3);
      const events: string[] = [];
      const client = new TusClient(server.url, {
        chunkSize: CHUNK,
        checksum,
        onBeforeRequest: (request) => {
          if (request.method !== "PATCH") return;
          events.push(`PATCH ${request.headers.get("Upload-Offset")}`);
        },
        onAfterResponse: (request) => {
          if (request.method !== "PATCH") return;
          events.push(`answered ${request.headers.get("Upload-Offset")}`);
        },
      });
      const url = await client.uploadFile({
        fileStream: notingStream(bytes, events),
      });
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      for (let chunk = 0; chunk + 1 < 5; chunk++) {
        // The first piece of the next chunk is read to find the stream's
        // end; the second one starts reading the next chunk itself.
        const sent = events.indexOf(`PATCH ${chunk * CHUNK}`);
        const readNext = events.indexOf(`read ${(chunk + 1) * CHUNK + PIECE}`);
        assert.ok(sent >= 0 && readNext >= 0, events.join(", "));
        assert.ok(readNext > sent, events.join(", "));
        // ...and while it is in flight, not once it is answered.
        const answered = events.indexOf(`answered ${chunk * CHUNK}`);
        assert.ok(readNext < answered, events.join(", "));
      }
    });
  }
});
