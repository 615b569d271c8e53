import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient, type UploadStats } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256, tempFile } from "../_helpers.ts";

const KIB = 1024;

describe("uploadFile()", () => {
  test("stores exactly the bytes of a multi-chunk file", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(300 * KIB + 17);
    const client = new TusClient(server.url, { chunkSize: 64 * KIB });
    const url = await client.uploadFile({ filePath: file.path });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    const patches = requestsOf(server.requests, "PATCH");
    assert.deepEqual(
      patches.map((p) => p.headers["upload-offset"]),
      ["0", "65536", "131072", "196608", "262144"],
    );
    assert.ok(
      patches.every((p) => p.headers["upload-checksum"]?.startsWith("sha1 ")),
    );
    assert.deepEqual(server.uploadOf(url)?.metadata, {
      filename: "upload.bin",
    });
  });

  test("uploads a Blob, a Uint8Array and an ArrayBuffer", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(100 * KIB + 3);
    const client = new TusClient(server.url, { chunkSize: 32 * KIB });
    for (const input of [new Blob([bytes]), bytes, bytes.slice().buffer]) {
      const url = await client.uploadFile({ fileStream: input });
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    }
  });

  test("creates an empty upload without any PATCH", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url);
    const url = await client.uploadFile({ fileStream: new Uint8Array() });
    assert.equal(server.uploadOf(url)?.length, 0);
    assert.deepEqual(server.requests.map((r) => r.method), ["OPTIONS", "POST"]);
  });

  test("sends sha256 and sha512 checksums when asked, none when false", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(10 * KIB);
    for (const checksum of ["sha256", "sha512", false] as const) {
      const client = new TusClient(server.url, { checksum });
      const url = await client.uploadFile({ fileStream: bytes });
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      const header = requestsOf(server.requests, "PATCH").at(-1)
        ?.headers["upload-checksum"];
      if (checksum) assert.match(header ?? "", new RegExp(`^${checksum} `));
      else assert.equal(header, undefined);
    }
  });

  test("chunkSize Infinity sends the whole file in one PATCH", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(200 * KIB);
    const client = new TusClient(server.url, { chunkSize: Infinity });
    const url = await client.uploadFile({ filePath: file.path });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.equal(requestsOf(server.requests, "PATCH").length, 1);
  });

  test("metadata is sent on creation, filename added unless given", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(10, "report.pdf");
    const client = new TusClient(server.url);
    const url = await client.uploadFile({
      filePath: file.path,
      metadata: { owner: "Ada Lovelace", note: "naïve ✓" },
    });
    assert.deepEqual(server.uploadOf(url)?.metadata, {
      owner: "Ada Lovelace",
      note: "naïve ✓",
      filename: "report.pdf",
    });
    const named = await client.uploadFile({
      filePath: file.path,
      metadata: { filename: "other.pdf" },
    });
    assert.equal(server.uploadOf(named)?.metadata.filename, "other.pdf");
  });

  test("onProgress gets frozen snapshots: each chunk as it leaves, then as confirmed", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(40 * KIB);
    const seen: UploadStats[] = [];
    const client = new TusClient(server.url, { chunkSize: 16 * KIB });
    await client.uploadFile({
      fileStream: bytes,
      onProgress: (s) => seen.push(s),
    });
    // A small chunk leaves at once: one report when the connection has
    // taken it all, one when the server confirms it.
    assert.deepEqual(seen.map((s) => [s.sentBytes, s.uploadedBytes]), [
      [16 * KIB, 0],
      [16 * KIB, 16 * KIB],
      [32 * KIB, 16 * KIB],
      [32 * KIB, 32 * KIB],
      [40 * KIB, 32 * KIB],
      [40 * KIB, 40 * KIB],
    ]);
    assert.deepEqual(seen.map((s) => s.chunksCompleted), [0, 1, 1, 2, 2, 3]);
    assert.equal(seen.at(-1)?.progressPercent, 100);
    assert.ok(Object.isFrozen(seen[0]));
  });
});

describe("uploadFile() with stopAt", () => {
  test("stops exactly at stopAt inside a chunk, then resumeUpload() completes", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(100 * KIB);
    const client = new TusClient(server.url, { chunkSize: 32 * KIB });
    const url = await client.uploadFile({
      filePath: file.path,
      stopAt: 40 * KIB,
    });
    assert.equal(server.uploadOf(url)?.offset, 40 * KIB);
    assert.deepEqual(
      requestsOf(server.requests, "PATCH").map((p) => p.bodyBytes),
      [32 * KIB, 8 * KIB],
    );
    const info = await client.getUploadInfo(url);
    assert.deepEqual([info.offset, info.complete], [40 * KIB, false]);
    await client.resumeUpload({ filePath: file.path, uploadUrl: url });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.equal(
      requestsOf(server.requests, "PATCH")[2]?.headers["upload-offset"],
      "40960",
    );
  });

  test("a stopAt past the size is clamped; stopAt 0 sends no byte", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(5000);
    const client = new TusClient(server.url);
    const full = await client.uploadFile({
      fileStream: bytes,
      stopAt: 10 ** 9,
    });
    assert.equal(sha256(server.bytesOf(full)), sha256(bytes));
    const before = requestsOf(server.requests, "PATCH").length;
    const none = await client.uploadFile({ fileStream: bytes, stopAt: 0 });
    assert.equal(server.uploadOf(none)?.offset, 0);
    assert.equal(requestsOf(server.requests, "PATCH").length, before);
  });

  test("a stopAt at or below the server offset sends nothing on resume", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(8 * KIB);
    const client = new TusClient(server.url, { chunkSize: 2 * KIB });
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 6 * KIB });
    const uploader = await client.createUploader({
      fileStream: bytes,
      uploadUrl: url,
    });
    const patches = requestsOf(server.requests, "PATCH").length;
    await uploader.upload({ stopAt: 4 * KIB });
    assert.equal(uploader.offset, 6 * KIB);
    assert.equal(requestsOf(server.requests, "PATCH").length, patches);
    await uploader.close();
  });
});
