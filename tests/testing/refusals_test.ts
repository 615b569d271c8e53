import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTusApp } from "../../src/testing/mod.ts";

// Through app.request a streamed body reaches the handler in the pieces it
// was sent in, so these refusals are checked piece by piece, which loopback
// cannot promise (a connection may join pieces).

const TUS = { "Tus-Resumable": "1.0.0" };
const OCTET = "application/offset+octet-stream";

function inPieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

describe("refused requests leave nothing behind", () => {
  test("a PATCH streamed in pieces past the length takes back the pieces it stored", async () => {
    const tus = createTusApp();
    const created = await tus.app.request("/files/", {
      method: "POST",
      headers: { ...TUS, "Upload-Length": "10" },
    });
    const url = created.headers.get("Location") ?? "";
    const answer = await tus.app.request(url, {
      method: "PATCH",
      headers: { ...TUS, "Upload-Offset": "0", "Content-Type": OCTET },
      body: inPieces(new Uint8Array(20).fill(7), 3),
      duplex: "half",
    } as RequestInit);
    await answer.body?.cancel();
    assert.equal(answer.status, 413);
    assert.equal(tus.uploadOf(url)?.offset, 0);
  });

  test("a creation refused for its checksum leaves no upload to resume", async () => {
    const tus = createTusApp();
    const answer = await tus.app.request("/files/", {
      method: "POST",
      headers: {
        ...TUS,
        "Upload-Length": "5",
        "Content-Type": OCTET,
        "Content-Length": "5",
        "Upload-Checksum": `sha1 ${btoa("x".repeat(20))}`,
      },
      body: new TextEncoder().encode("hello"),
    });
    await answer.body?.cancel();
    assert.equal(answer.status, 460);
    assert.deepEqual(
      tus.store.list().filter((upload) => upload.gone === null),
      [],
    );
  });
});
