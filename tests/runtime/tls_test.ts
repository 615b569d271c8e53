/**
 * `verifyTlsCert` against a loopback HTTPS tus server whose self-signed
 * certificate is made with `openssl` for the run. The same file runs under
 * `deno test`, `bun test` and Node's leg.
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  TusClient,
  TusCommunicationError,
  TusUploadFailed,
} from "../../mod.ts";
import { createTusApp } from "../../src/testing/mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import {
  type CertificatePair,
  type HttpsServer,
  selfSignedCertificate,
  serveHttps,
} from "./_https.ts";

const KIB = 1024;
const IS_DENO = "Deno" in globalThis;

interface HttpsTus {
  readonly url: string;
  bytesOf(uploadUrl: string): Uint8Array | null;
}

describe("verifyTlsCert with a self-signed certificate", () => {
  let pair: CertificatePair;
  let server: HttpsServer;
  let tus: HttpsTus;

  before(async () => {
    pair = await selfSignedCertificate();
    const app = createTusApp();
    server = await serveHttps(pair, (request) => app.app.fetch(request));
    tus = {
      url: `${server.origin}${app.basePath}`,
      bytesOf: (uploadUrl) => app.bytesOf(uploadUrl),
    };
  });
  after(async () => await server?.close());

  test("true (the default) refuses the server: the certificate was not trusted", async () => {
    const client = new TusClient(tus.url, { maxRetries: 0 });
    const error = await client.uploadFile({ fileStream: randomBytes(10) })
      .then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.equal(error.statusCode, null);
    assert.match(
      error.message,
      /^Cannot create upload: the server's TLS certificate was not trusted: .+ \(POST https:\/\/127\.0\.0\.1:\d+\/files\/\)$/,
    );
    assert.ok(error.cause, "the runtime's error is kept as the cause");
  });

  test("true also names the certificate for HEAD and OPTIONS", async () => {
    const client = new TusClient(tus.url);
    await assert.rejects(
      client.getServerInfo(),
      (e: unknown) =>
        e instanceof TusCommunicationError &&
        /TLS certificate was not trusted/.test(e.message),
    );
    await assert.rejects(
      client.getUploadInfo(`${tus.url}missing`),
      /TLS certificate was not trusted/,
    );
  });

  test("false uploads every byte in several PATCHes", async () => {
    const bytes = randomBytes(200 * KIB + 5, 7);
    const client = new TusClient(tus.url, {
      verifyTlsCert: false,
      chunkSize: 64 * KIB,
    });
    let progressed = 0;
    const url = await client.uploadFile({
      fileStream: new Blob([bytes]),
      metadata: { filename: "tls.bin" },
      onProgress: (stats) => progressed = stats.uploadedBytes,
    });
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/files\/./);
    assert.equal(sha256(tus.bytesOf(url)), sha256(bytes));
    assert.equal(progressed, bytes.length);
    const info = await client.getUploadInfo(url);
    assert.deepEqual(
      [info.offset, info.length, info.complete],
      [bytes.length, bytes.length, true],
    );
    assert.equal((await client.getMetadata(url)).filename, "tls.bin");
    assert.ok((await client.getServerInfo()).extensions.includes("creation"));
    await client.deleteUpload(url);
    assert.equal(tus.bytesOf(url), null);
  });

  test("false streams a whole upload in one PATCH (chunkSize: Infinity)", async () => {
    const bytes = randomBytes(3 * 1024 * KIB + 1, 9);
    const client = new TusClient(tus.url, {
      verifyTlsCert: false,
      chunkSize: Infinity,
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(tus.bytesOf(url)), sha256(bytes));
  });

  test("false resumes an upload stopped part-way", async () => {
    const bytes = randomBytes(100 * KIB, 11);
    const client = new TusClient(tus.url, {
      verifyTlsCert: false,
      chunkSize: 16 * KIB,
    });
    const url = await client.uploadFile({
      fileStream: bytes,
      stopAt: 40 * KIB,
    });
    assert.equal(tus.bytesOf(url)?.length, 40 * KIB);
    await client.resumeUpload({ fileStream: bytes, uploadUrl: url });
    assert.equal(sha256(tus.bytesOf(url)), sha256(bytes));
  });

  test("false still fails as TusUploadFailed when aborted", async () => {
    const client = new TusClient(tus.url, {
      verifyTlsCert: false,
      chunkSize: 16 * KIB,
    });
    const controller = new AbortController();
    const upload = client.uploadFile({
      fileStream: randomBytes(512 * KIB, 13),
      signal: controller.signal,
      onProgress: (stats) => {
        if (stats.uploadedBytes >= 32 * KIB) controller.abort();
      },
    });
    await assert.rejects(upload, TusUploadFailed);
  });

  test(
    "false with an injected fetch on Deno throws at construction, naming what works",
    {
      skip: !IS_DENO &&
        "Deno only: Bun and Node pass the option to an injected fetch",
    },
    () => {
      const fetchImpl: typeof fetch = (input, init) => fetch(input, init);
      assert.throws(
        () =>
          new TusClient(tus.url, { verifyTlsCert: false, fetch: fetchImpl }),
        (e: unknown) =>
          e instanceof Error &&
          e.message.startsWith(
            "Cannot use verifyTlsCert: false with an injected fetch on Deno: ",
          ) &&
          e.message.includes("--unsafely-ignore-certificate-errors") &&
          e.message.includes("Deno.createHttpClient({ caCerts: [pem] })"),
      );
    },
  );

  test(
    "a fetch built with Deno.createHttpClient({ caCerts }) trusts the certificate",
    {
      skip: !IS_DENO && "Deno only",
    },
    async () => {
      using httpClient = Deno.createHttpClient({ caCerts: [pair.cert] });
      const trusting: typeof fetch = (input, init) =>
        fetch(input, { ...init, client: httpClient });
      const bytes = randomBytes(150 * KIB, 17);
      const client = new TusClient(tus.url, {
        fetch: trusting,
        chunkSize: 64 * KIB,
      });
      const url = await client.uploadFile({ fileStream: bytes });
      assert.equal(sha256(tus.bytesOf(url)), sha256(bytes));
    },
  );
});
