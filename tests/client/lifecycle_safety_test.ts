import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Fingerprint,
  MemoryUrlStorage,
  TusCommunicationError,
} from "../../mod.ts";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf } from "../_helpers.ts";
import {
  type CertificatePair,
  selfSignedCertificate,
} from "../runtime/_https.ts";
import { serveHttps } from "../runtime/_https.ts";
import { failureOf, lifecycleClient } from "./_lifecycle_api.ts";

const KIB = 1024;
const bytes = randomBytes(20 * KIB);
let pair: Promise<CertificatePair> | undefined;

/**
 * An HTTPS front for the plain-HTTP test server `plain`: every request is
 * passed on, so that a POST answers `Location: http://…` of `plain`.
 */
async function downgradingFront(plain: TusServer) {
  pair ??= selfSignedCertificate();
  return await serveHttps(await pair, async (request) => {
    const target = new URL(new URL(request.url).pathname, plain.url);
    const headers = new Headers();
    request.headers.forEach((value, name) => {
      if (/^(tus-|upload-|content-type$)/i.test(name)) headers.set(name, value);
    });
    const body = request.method === "POST" || request.method === "PATCH"
      ? new Uint8Array(await request.arrayBuffer())
      : undefined;
    const answer = await fetch(target, {
      method: request.method,
      headers,
      body,
    });
    return new Response(
      request.method === "HEAD" ? null : await answer.arrayBuffer(),
      { status: answer.status, headers: answer.headers },
    );
  });
}

/** The refusal the contract asks for: it names https and http. */
function assertDowngradeRefused(error: unknown): void {
  assert.ok(error instanceof TusCommunicationError, String(error));
  assert.match(error.message, /https/i);
  assert.match(error.message, /http(?!s)/i);
}

describe("an upload URL that downgrades https: to http: is refused", () => {
  test("a Location on http: answered to an https: endpoint", async () => {
    await using plain = await startTusServer();
    await using front = await downgradingFront(plain);
    const client = lifecycleClient(`${front.origin}/files/`, {
      verifyTlsCert: false,
      maxRetries: 0,
    });
    const error = await failureOf(client.uploadFile({ fileStream: bytes }));
    assertDowngradeRefused(error);
    assert.deepEqual(requestsOf(plain.requests, "PATCH"), []);
    assert.equal(plain.uploads()[0]?.offset, 0, "no byte went over http");
  });

  test("a given uploadUrl on http: for an https: endpoint", async () => {
    await using plain = await startTusServer();
    await using front = await downgradingFront(plain);
    const client = lifecycleClient(`${front.origin}/files/`, {
      verifyTlsCert: false,
      maxRetries: 0,
    });
    const url = await lifecycleClient(plain.url).uploadFile({
      fileStream: bytes,
      stopAt: 0,
    });
    const before = plain.requests.length;
    const error = await failureOf(
      client.resumeUpload({ fileStream: bytes, uploadUrl: url }),
    );
    assertDowngradeRefused(error);
    const after = plain.requests.slice(before);
    assert.deepEqual(requestsOf(after, "PATCH"), []);
    assert.equal(plain.uploadOf(url)?.offset, 0);
  });

  test("a stored URL on http: for an https: endpoint", async () => {
    await using plain = await startTusServer();
    await using front = await downgradingFront(plain);
    const endpoint = `${front.origin}/files/`;
    const url = await lifecycleClient(plain.url).uploadFile({
      fileStream: bytes,
      stopAt: 0,
    });
    const urlStorage = new MemoryUrlStorage();
    const fingerprint = await new Fingerprint().getFingerprint(bytes);
    await urlStorage.setUrl(`${fingerprint}::${new URL(endpoint).href}`, url);
    await urlStorage.setUrl(fingerprint, url); // the first round's key too
    const client = lifecycleClient(endpoint, {
      verifyTlsCert: false,
      maxRetries: 0,
      storeUrl: true,
      urlStorage,
    });
    const error = await failureOf(client.uploadFile({ fileStream: bytes }));
    assertDowngradeRefused(error);
    assert.deepEqual(requestsOf(plain.requests, "PATCH"), []);
    assert.equal(plain.uploadOf(url)?.offset, 0);
  });
});
