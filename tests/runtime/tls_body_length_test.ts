/**
 * `verifyTlsCert: false` sends `Content-Length` with every body whose length
 * is known, so that servers taking no chunked request body accept it (on
 * Deno, whose insecure path is `node:https`, that is not a given).
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TusClient } from "../../mod.ts";
import { bodyLength, insecureFetch } from "../../src/runtime/tls.ts";
import { createTusApp } from "../../src/testing/mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import {
  type CertificatePair,
  type HttpsServer,
  selfSignedCertificate,
  serveHttps,
} from "./_https.ts";

const KIB = 1024;

/** Refuses a request body without `Content-Length`, as some servers do. */
function lengthRequired(request: Request): Response | null {
  const chunked = /chunked/i.test(
    request.headers.get("transfer-encoding") ?? "",
  );
  if (!chunked) return null;
  return new Response("Cannot read body: Content-Length required", {
    status: 411,
  });
}

describe("verifyTlsCert: false sends Content-Length for known-length bodies", () => {
  let pair: CertificatePair;
  let echo: HttpsServer;

  before(async () => {
    pair = await selfSignedCertificate();
    echo = await serveHttps(pair, async (request) => {
      const received = (await request.arrayBuffer()).byteLength;
      return Response.json({
        contentLength: request.headers.get("content-length"),
        chunked: /chunked/i.test(
          request.headers.get("transfer-encoding") ?? "",
        ),
        received,
      });
    });
  });
  after(async () => await echo?.close());

  const bodies: [string, () => BodyInit, number][] = [
    ["a Uint8Array", () => randomBytes(1000), 1000],
    ["an ArrayBuffer", () => new ArrayBuffer(10), 10],
    ["a Blob", () => new Blob(["abc"]), 3],
    ["a string (UTF-8 bytes)", () => "héllo", 6],
  ];
  for (const [name, body, length] of bodies) {
    test(name, async () => {
      const send = insecureFetch(globalThis.fetch);
      const response = await send(`${echo.origin}/`, {
        method: "PATCH",
        body: body(),
      });
      assert.deepEqual(await response.json(), {
        contentLength: String(length),
        chunked: false,
        received: length,
      });
    });
  }

  test("a stream of unknown length is read ahead to learn it", async () => {
    const send = insecureFetch(globalThis.fetch);
    const response = await send(`${echo.origin}/`, {
      method: "PATCH",
      body: new Blob([randomBytes(5000)]).stream(),
      duplex: "half",
    } as RequestInit);
    const answer = await response.json();
    assert.equal(answer.received, 5000);
    // Deno's node:https path reads ahead; other fetches decide for themselves.
    if ("Deno" in globalThis) assert.equal(answer.contentLength, "5000");
  });

  test("a stream past the read-ahead limit still arrives whole", async () => {
    const send = insecureFetch(globalThis.fetch);
    const size = 17 * 1024 * KIB;
    const response = await send(`${echo.origin}/`, {
      method: "PATCH",
      body: new Blob([new Uint8Array(size)]).stream(),
      duplex: "half",
    } as RequestInit);
    const answer = await response.json();
    assert.equal(answer.received, size);
    if ("Deno" in globalThis) assert.equal(answer.chunked, true);
  });

  test("a tus upload reaches a server that refuses chunked bodies", async () => {
    const tus = createTusApp();
    await using server = await serveHttps(
      pair,
      (request) => lengthRequired(request) ?? tus.app.fetch(request),
    );
    const bytes = randomBytes(40 * KIB);
    for (const uploadDataDuringCreation of [false, true]) {
      const client = new TusClient(`${server.origin}${tus.basePath}`, {
        verifyTlsCert: false,
        chunkSize: 16 * KIB,
        maxRetries: 0,
        uploadDataDuringCreation,
      });
      const url = await client.uploadFile({ fileStream: bytes });
      assert.equal(sha256(tus.bytesOf(url)), sha256(bytes));
    }
    const withBody = tus.requests.filter((entry) => entry.bodyBytes > 0);
    assert.ok(withBody.length >= 5);
    for (const entry of withBody) {
      assert.equal(entry.headers["content-length"], String(entry.bodyBytes));
    }
  });

  test("bodyLength knows bytes, Blob and strings, not streams", () => {
    assert.equal(bodyLength(new Uint8Array(3)), 3);
    assert.equal(bodyLength(new DataView(new ArrayBuffer(7))), 7);
    assert.equal(bodyLength(new URLSearchParams({ a: "b c" })), 5);
    assert.equal(bodyLength(new ReadableStream()), null);
    assert.equal(bodyLength(undefined), null);
  });
});
