import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient, TusCommunicationError } from "../../mod.ts";
import { serve } from "../../src/runtime/serve.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256 } from "../_helpers.ts";

/**
 * A front server that answers every request itself with `respond`, on
 * another origin than the tus server behind it.
 */
async function frontServer(
  respond: (request: Request) => Response | Promise<Response>,
): Promise<{ url: string } & AsyncDisposable> {
  const served = await serve((request) => respond(request), {
    hostname: "127.0.0.1",
    port: 0,
    relay: false,
  });
  return {
    url: `http://127.0.0.1:${served.port}/files/`,
    [Symbol.asyncDispose]: () => served.close(),
  };
}

describe("facing a misbehaving or unusual server", () => {
  test("a Location on another origin is followed, custom headers included", async () => {
    await using storage = await startTusServer();
    await using front = await frontServer(async (request) => {
      // Create the upload on the storage server and hand out its URL.
      const created = await fetch(storage.url, {
        method: "POST",
        headers: {
          "Tus-Resumable": "1.0.0",
          "Upload-Length": request.headers.get("Upload-Length") ?? "0",
        },
      });
      await created.body?.cancel();
      await request.body?.cancel();
      return new Response(null, {
        status: 201,
        headers: { Location: created.headers.get("Location") ?? "" },
      });
    });
    const bytes = randomBytes(30_000);
    const client = new TusClient(front.url, {
      chunkSize: 10_000,
      headers: { Authorization: "Bearer abc" },
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.ok(url.startsWith(storage.url), url);
    assert.equal(sha256(storage.bytesOf(url)), sha256(bytes));
    const patches = requestsOf(storage.requests, "PATCH");
    assert.equal(patches.length, 3);
    assert.ok(patches.every((p) => p.headers.authorization === "Bearer abc"));
  });

  test("a redirect answering a PATCH is not followed", async () => {
    await using storage = await startTusServer();
    const bytes = randomBytes(1000);
    const client = new TusClient(storage.url, { maxRetries: 0 });
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 0 });
    await using front = await frontServer(async (request) => {
      await request.body?.cancel();
      return new Response(null, { status: 307, headers: { Location: url } });
    });
    const redirected = front.url.replace(/files\/$/, "files/x");
    await assert.rejects(
      client.resumeUpload({ fileStream: bytes, uploadUrl: redirected }),
      TusCommunicationError,
    );
    assert.equal(requestsOf(storage.requests, "PATCH").length, 0);
  });

  for (
    const [name, headers] of [
      ["missing", {}],
      ["negative", { "Upload-Offset": "-1" }],
      ["not a number", { "Upload-Offset": "12abc" }],
      ["past Upload-Length", { "Upload-Offset": "20", "Upload-Length": "10" }],
    ] as const
  ) {
    test(`a HEAD whose Upload-Offset is ${name} is a TusCommunicationError`, async () => {
      await using front = await frontServer(() =>
        new Response(null, { status: 200, headers })
      );
      const client = new TusClient(front.url);
      await assert.rejects(
        client.getUploadInfo(`${front.url}abc`),
        (error) =>
          error instanceof TusCommunicationError &&
          /Upload-Offset/.test(error.message),
      );
    });
  }
});
