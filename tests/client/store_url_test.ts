import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FileUrlStorage,
  Fingerprint,
  MemoryUrlStorage,
  storageKey,
  TusClient,
  TusCommunicationError,
} from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256, tempFile } from "../_helpers.ts";

const KIB = 1024;

describe("storeUrl", () => {
  test("stores the URL under the fingerprint and resumes from it in a new client", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(40 * KIB);
    const urlStorage = new FileUrlStorage(`${file.dir}/urls.json`);
    const options = { storeUrl: true, urlStorage, chunkSize: 16 * KIB };
    const first = new TusClient(server.url, options);
    const url = await first.uploadFile({
      filePath: file.path,
      stopAt: 16 * KIB,
    });
    const fingerprint = await new Fingerprint().getFingerprint(file.path);
    const key = storageKey(fingerprint, server.url);
    assert.equal(key, `${fingerprint}::${new URL(server.url).href}`);
    assert.equal(await urlStorage.getUrl(key), url);
    assert.equal(await urlStorage.getUrl(fingerprint), null);

    const second = new TusClient(server.url, options);
    const resumed = await second.uploadFile({ filePath: file.path });
    assert.equal(resumed, url);
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.equal(
      requestsOf(server.requests, "POST").length,
      1,
      "no second creation",
    );
    assert.equal(
      requestsOf(server.requests, "PATCH")[1]?.headers["upload-offset"],
      "16384",
    );
  });

  test("uploading the same content again returns the same URL without sending a byte", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(20 * KIB);
    const client = new TusClient(server.url, {
      storeUrl: true,
      urlStorage: new MemoryUrlStorage(),
    });
    const url = await client.uploadFile({ fileStream: new Blob([bytes]) });
    const patches = requestsOf(server.requests, "PATCH").length;
    assert.equal(await client.uploadFile({ fileStream: bytes }), url);
    assert.equal(requestsOf(server.requests, "PATCH").length, patches);
    assert.equal(server.requests.at(-1)?.method, "HEAD");
  });

  for (const status of [404, 410] as const) {
    test(`a stored URL answering ${status} is forgotten and a new upload created`, async () => {
      await using server = await startTusServer();
      const bytes = randomBytes(20 * KIB);
      const urlStorage = new MemoryUrlStorage();
      const client = new TusClient(server.url, { storeUrl: true, urlStorage });
      const old = await client.uploadFile({ fileStream: bytes, stopAt: 100 });
      server.faults.forget(old, status);
      const fresh = await client.uploadFile({ fileStream: bytes });
      assert.notEqual(fresh, old);
      assert.equal(sha256(server.bytesOf(fresh)), sha256(bytes));
      const fingerprint = await new Fingerprint().getFingerprint(bytes);
      const key = storageKey(fingerprint, server.url);
      assert.equal(await urlStorage.getUrl(key), fresh);
    });
  }

  test("resumeUpload() with an explicit stale URL fails with its status", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(1000);
    const client = new TusClient(server.url, {
      storeUrl: true,
      urlStorage: new MemoryUrlStorage(),
    });
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 10 });
    server.faults.forget(url, 410);
    await assert.rejects(
      client.resumeUpload({ fileStream: bytes, uploadUrl: url }),
      (error) =>
        error instanceof TusCommunicationError && error.statusCode === 410,
    );
  });

  test("the fingerprint is computed once per upload", async () => {
    await using server = await startTusServer();
    let calls = 0;
    const fingerprinter = {
      getFingerprint: (source: unknown) => {
        calls++;
        return new Fingerprint().getFingerprint(source as Uint8Array);
      },
    };
    const client = new TusClient(server.url, {
      storeUrl: true,
      urlStorage: new MemoryUrlStorage(),
      fingerprinter,
      chunkSize: 1000,
    });
    await client.uploadFile({ fileStream: randomBytes(5000) });
    assert.equal(calls, 1);
  });
});
