/**
 * `chunkSize: Infinity` streams the rest of a file or Blob in one PATCH:
 * its length is known, so the request says it (`Content-Length`) instead
 * of turning into chunked encoding, which servers that need a length
 * refuse. And the bytes leaving are counted for `sentBytes`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient, type UploadStats } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256, tempFile } from "../_helpers.ts";

const MIB = 1024 * 1024;

describe("chunkSize Infinity", () => {
  test("a file goes out in one PATCH with its Content-Length, never chunked", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(3 * MIB + 11);
    const client = new TusClient(server.url, { chunkSize: Infinity });
    const url = await client.uploadFile({ filePath: file.path });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    const patches = requestsOf(server.requests, "PATCH");
    assert.deepEqual(
      patches.map((p) => [
        p.headers["content-length"],
        p.headers["transfer-encoding"],
      ]),
      [[String(3 * MIB + 11), undefined]],
    );
  });

  test("a Blob too, resumed from the server's offset", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(2 * MIB + 3);
    const first = new TusClient(server.url, { chunkSize: MIB });
    const url = await first.uploadFile({ fileStream: bytes, stopAt: MIB });
    const client = new TusClient(server.url, { chunkSize: Infinity });
    await client.resumeUpload({
      fileStream: new Blob([bytes]),
      uploadUrl: url,
    });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const last = requestsOf(server.requests, "PATCH").at(-1);
    assert.equal(last?.headers["upload-offset"], String(MIB));
    assert.equal(last?.headers["content-length"], String(MIB + 3));
    assert.equal(last?.headers["transfer-encoding"], undefined);
  });

  test("its bytes are counted while the one PATCH is in flight", async () => {
    await using server = await startTusServer();
    server.faults.latency(700, { method: "PATCH" });
    await using file = await tempFile(48 * MIB);
    const client = new TusClient(server.url, { chunkSize: Infinity });
    const reports: UploadStats[] = [];
    const url = await client.uploadFile({
      filePath: file.path,
      onProgress: (stats) => reports.push(stats),
    });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.ok(
      reports.some((s) => s.uploadedBytes === 0 && s.sentBytes > 0),
      "no report while the PATCH was in flight",
    );
    assert.equal(reports.at(-1)?.sentBytes, 48 * MIB);
  });
});
