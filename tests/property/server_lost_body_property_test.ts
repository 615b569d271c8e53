import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { sha1 } from "@noble/hashes/legacy.js";
import { startTusServer } from "../../src/testing/mod.ts";
import { runs } from "./_property.ts";

// Over loopback: a PATCH whose body stops part-way (the client gives up, or
// a cut fault drops the connection) leaves the server holding a prefix of
// what was sent, never more; with an Upload-Checksum it can no longer
// verify, nothing at all.

const OCTET = "application/offset+octet-stream";

/** A body that sends `bytes` up to `stopAt`, then waits to be cancelled. */
function stalling(
  bytes: Uint8Array,
  stopAt: number,
  sent: () => void,
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= stopAt) {
        sent();
        return new Promise(() => {}); // the rest never comes
      }
      const end = Math.min(stopAt, at + 97);
      controller.enqueue(bytes.slice(at, end));
      at = end;
    },
  });
}

async function createUpload(endpoint: string, size: number): Promise<string> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(size) },
  });
  await response.body?.cancel();
  assert.equal(response.status, 201);
  return response.headers.get("Location") ?? "";
}

const scenario = fc.record({
  size: fc.integer({ min: 1, max: 5000 }),
  stopFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  checksum: fc.boolean(),
  seed: fc.nat(255),
});

describe("test server when a PATCH body stops part-way (property, loopback)", () => {
  test("a client that gives up leaves a prefix of what it sent, nothing with a checksum", async () => {
    await using server = await startTusServer();
    await fc.assert(
      fc.asyncProperty(
        scenario,
        async ({ size, stopFraction, checksum, seed }) => {
          const content = Uint8Array.from(
            { length: size },
            (_, i) => (seed + i * 13) & 0xff,
          );
          const stopAt = Math.floor(size * stopFraction);
          const url = await createUpload(server.url, size);
          const headers: Record<string, string> = {
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": OCTET,
          };
          if (checksum) {
            headers["Upload-Checksum"] = `sha1 ${
              btoa(String.fromCharCode(...sha1(content)))
            }`;
          }
          const controller = new AbortController();
          let allSent = () => {};
          const sent = new Promise<void>((resolve) => allSent = resolve);
          const done = fetch(url, {
            method: "PATCH",
            headers,
            body: stalling(content, stopAt, allSent),
            signal: controller.signal,
            duplex: "half",
          } as RequestInit).then((r) => r.body?.cancel(), () => null);
          await sent;
          // The server has what was sent once it logs the request or holds it.
          for (
            let i = 0;
            i < 200 && server.bytesOf(url)?.length !== stopAt;
            i++
          ) {
            if (checksum && server.inFlight > 0) break;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          controller.abort();
          await done;
          for (let i = 0; i < 400 && server.inFlight > 0; i++) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          const held = server.bytesOf(url) ?? new Uint8Array();
          assert.ok(held.length <= stopAt, "more bytes held than were sent");
          assert.deepEqual(held, content.subarray(0, held.length));
          if (checksum) assert.equal(held.length, 0, "unverified bytes kept");
        },
      ),
      runs(25),
    );
  });

  test("a cut fault keeps exactly the bytes before the cut, or none", async () => {
    await using server = await startTusServer();
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.boolean(),
        async ({ size, stopFraction, seed }, keep) => {
          const content = Uint8Array.from(
            { length: size },
            (_, i) => (seed + i * 13) & 0xff,
          );
          const afterBytes = Math.floor(size * stopFraction);
          const url = await createUpload(server.url, size);
          // Deno's fetch re-sends once on a dropped connection: cut both.
          server.faults.cutNextPatch({ afterBytes, keep, count: 2 });
          await fetch(url, {
            method: "PATCH",
            headers: {
              "Tus-Resumable": "1.0.0",
              "Upload-Offset": "0",
              "Content-Type": OCTET,
            },
            body: content,
          }).then((r) => r.body?.cancel(), () => null);
          server.faults.clear();
          const held = server.bytesOf(url) ?? new Uint8Array();
          const full = afterBytes >= size;
          const expected = keep || full ? Math.min(afterBytes, size) : 0;
          assert.equal(held.length, expected);
          assert.deepEqual(held, content.subarray(0, held.length));
        },
      ),
      runs(25),
    );
  });
});
