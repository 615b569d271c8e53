import assert from "node:assert/strict";
import { appendFile, truncate } from "node:fs/promises";
import { describe, test } from "node:test";
import { TusClient, TusUploadFailed } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  randomBytes,
  requestsOf,
  sha256,
  streamOf,
  tempFile,
} from "../_helpers.ts";

const KIB = 1024;

describe("ReadableStream input", () => {
  test("creates with Upload-Defer-Length and declares Upload-Length on the last PATCH", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(50 * KIB + 5);
    const client = new TusClient(server.url, { chunkSize: 16 * KIB });
    const url = await client.uploadFile({ fileStream: streamOf(bytes) });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const [post] = requestsOf(server.requests, "POST");
    assert.equal(post?.headers["upload-defer-length"], "1");
    assert.equal(post?.headers["upload-length"], undefined);
    const lengths = requestsOf(server.requests, "PATCH").map((p) =>
      p.headers["upload-length"]
    );
    assert.deepEqual(lengths, [
      undefined,
      undefined,
      undefined,
      String(bytes.length),
    ]);
  });

  test("a stream ending on a chunk boundary declares its length without losing a byte", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(32 * KIB);
    const client = new TusClient(server.url, { chunkSize: 16 * KIB });
    const url = await client.uploadFile({ fileStream: streamOf(bytes, 4096) });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.equal(server.uploadOf(url)?.length, bytes.length);
  });

  test("a failed chunk of a stream is re-sent from the buffer", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 503, method: "PATCH", count: 2 });
    const bytes = randomBytes(40 * KIB);
    const client = new TusClient(server.url, {
      chunkSize: 16 * KIB,
      retryDelay: 1,
    });
    const url = await client.uploadFile({ fileStream: streamOf(bytes) });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
  });

  test("chunkSize Infinity with a stream is refused before any request", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, { chunkSize: Infinity });
    await assert.rejects(
      client.uploadFile({ fileStream: streamOf(randomBytes(10)) }),
      /ReadableStream with chunkSize Infinity/,
    );
    assert.equal(server.requests.length, 0);
  });
});

describe("chunkSize Infinity on a seekable input", () => {
  test("streams a file in one PATCH and can resume it after a drop", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(3 * 1024 * KIB + 11);
    server.faults.cutNextPatch({ afterBytes: 1024 * KIB, count: Infinity });
    const client = new TusClient(server.url, {
      chunkSize: Infinity,
      maxRetries: 0,
    });
    const uploader = await client.createUploader({ filePath: file.path });
    await assert.rejects(uploader.upload(), TusUploadFailed);
    server.faults.clear();
    const url = await uploader.upload();
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    const last = requestsOf(server.requests, "PATCH").at(-1);
    assert.ok(Number(last?.headers["upload-offset"]) >= 1024 * KIB);
    assert.equal(last?.headers["upload-checksum"], undefined);
    await uploader.close();
  });
});

describe("a file that changes during an upload", () => {
  test("a file that shrinks ends in a clear error; the server holds an exact prefix", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(64 * KIB);
    const client = new TusClient(server.url, {
      chunkSize: 16 * KIB,
      retryDelay: 1,
    });
    const uploader = await client.createUploader({ filePath: file.path });
    await uploader.uploadChunk();
    await truncate(file.path, 20 * KIB);
    await assert.rejects(uploader.upload(), (error) => {
      assert.ok(error instanceof TusUploadFailed);
      assert.match(error.message, /size changed from 65536 to 20480/);
      return true;
    });
    // The chunk read ahead before the truncation may have gone out; what
    // the server holds is still an exact prefix of the file as it was.
    const stored = server.bytesOf(uploader.url ?? "") ?? new Uint8Array();
    assert.ok(stored.length === 16 * KIB || stored.length === 32 * KIB);
    assert.equal(sha256(stored), sha256(file.bytes.subarray(0, stored.length)));
    await uploader.close();
  });

  test("a file that grows ends in a clear error, never a wrong length", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(64 * KIB);
    const client = new TusClient(server.url, { chunkSize: 16 * KIB });
    const uploader = await client.createUploader({ filePath: file.path });
    await uploader.uploadChunk();
    await appendFile(file.path, new Uint8Array(100));
    await assert.rejects(uploader.upload(), /size changed from 65536 to 65636/);
    assert.equal(server.uploadOf(uploader.url ?? "")?.length, 64 * KIB);
    await uploader.close();
  });
});

describe("creation-with-upload", () => {
  test("sends the first chunk with the POST and continues from the server's offset", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(40 * KIB);
    const client = new TusClient(server.url, {
      chunkSize: 16 * KIB,
      uploadDataDuringCreation: true,
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const post = requestsOf(server.requests, "POST")[0];
    assert.equal(
      post?.headers["content-type"],
      "application/offset+octet-stream",
    );
    assert.equal(post?.bodyBytes, 16 * KIB);
    assert.deepEqual(
      requestsOf(server.requests, "PATCH").map((p) =>
        p.headers["upload-offset"]
      ),
      ["16384", "32768"],
    );
    await client.uploadFile({ fileStream: bytes });
    assert.equal(
      requestsOf(server.requests, "OPTIONS").length,
      1,
      "OPTIONS asked once per client",
    );
  });

  test("falls back to plain creation when the server does not list the extension", async () => {
    await using server = await startTusServer({
      extensions: ["creation", "termination"],
    });
    const bytes = randomBytes(20 * KIB);
    const client = new TusClient(server.url, {
      uploadDataDuringCreation: true,
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.equal(requestsOf(server.requests, "POST")[0]?.bodyBytes, 0);
  });
});
