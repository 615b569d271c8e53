/**
 * Per-byte progress: `stats.sentBytes` moves while a chunk is in flight,
 * and the request still carries a `Content-Length` (never chunked).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient, type UploadStats } from "../../mod.ts";
import { startDraftServer, startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256, tempFile } from "../_helpers.ts";

const MIB = 1024 * 1024;
/** Big enough to outlast the loopback socket buffers during the wait. */
const SIZE = 48 * MIB;

/** The reports of one upload, and checks that hold for every one of them. */
function recorder(): {
  reports: UploadStats[];
  onProgress: (stats: UploadStats) => void;
} {
  const reports: UploadStats[] = [];
  return { reports, onProgress: (stats) => reports.push(stats) };
}

function inFlight(reports: readonly UploadStats[]): UploadStats[] {
  return reports.filter((s) =>
    s.sentBytes > s.uploadedBytes && s.sentBytes < SIZE
  );
}

describe("sentBytes", () => {
  test("moves while one big chunk is in flight, with a Content-Length", async () => {
    await using server = await startTusServer();
    // The server takes its time before reading the body: the client's bytes
    // go out as far as the connection takes them, then wait.
    server.faults.latency(700, { method: "PATCH" });
    const bytes = randomBytes(SIZE);
    const client = new TusClient(server.url, {
      chunkSize: SIZE,
      checksum: false,
    });
    const { reports, onProgress } = recorder();
    const url = await client.uploadFile({ fileStream: bytes, onProgress });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const early = inFlight(reports);
    assert.ok(
      early.length > 0,
      `no report while the chunk was in flight: ${
        reports.map((s) => `${s.uploadedBytes}/${s.sentBytes}`).join(" ")
      }`,
    );
    assert.ok(early.every((s) => s.uploadedBytes === 0));
    const sent = reports.map((s) => s.sentBytes);
    assert.deepEqual(sent, [...sent].sort((a, b) => a - b), "never goes back");
    assert.equal(reports.at(-1)?.sentBytes, SIZE);
    assert.equal(reports.at(-1)?.uploadedBytes, SIZE);
    const [patch] = requestsOf(server.requests, "PATCH");
    assert.equal(patch?.headers["content-length"], String(SIZE));
    assert.equal(patch?.headers["transfer-encoding"], undefined);
  });

  test("counts a file's chunks too, and equals uploadedBytes at rest", async () => {
    await using server = await startTusServer();
    server.faults.latency(700, { method: "PATCH" });
    await using file = await tempFile(SIZE + 5);
    const client = new TusClient(server.url, { chunkSize: SIZE });
    const { reports, onProgress } = recorder();
    const url = await client.uploadFile({ filePath: file.path, onProgress });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.ok(inFlight(reports).length > 0, "no report in flight");
    const patches = requestsOf(server.requests, "PATCH");
    assert.deepEqual(
      patches.map((p) => p.headers["content-length"]),
      [String(SIZE), "5"],
    );
    const atRest = reports.filter((s) => s.chunksCompleted > 0);
    assert.ok(atRest.every((s) => s.sentBytes >= s.uploadedBytes));
    assert.equal(reports.at(-1)?.sentBytes, SIZE + 5);
  });

  test("moves while a creation-with-upload POST carries the first chunk", async () => {
    await using server = await startTusServer();
    server.faults.latency(700, { method: "POST" });
    const bytes = randomBytes(SIZE);
    const client = new TusClient(server.url, {
      chunkSize: SIZE,
      checksum: false,
      uploadDataDuringCreation: true,
    });
    const { reports, onProgress } = recorder();
    const url = await client.uploadFile({ fileStream: bytes, onProgress });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.deepEqual(requestsOf(server.requests, "PATCH"), []);
    assert.ok(inFlight(reports).length > 0, "no report while the POST was out");
    assert.equal(reports.at(-1)?.sentBytes, SIZE);
  });

  test("moves in flight with the IETF draft too", async () => {
    await using server = await startDraftServer();
    server.faults.latency(700, { method: "PATCH" });
    const bytes = randomBytes(2 * SIZE);
    const client = new TusClient(server.url, {
      protocol: "ietf-draft",
      chunkSize: SIZE,
    });
    const { reports, onProgress } = recorder();
    const url = await client.uploadFile({ fileStream: bytes, onProgress });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    // The creation carried the first chunk; the append is counted.
    const appending = reports.filter((s) =>
      s.uploadedBytes === SIZE && s.sentBytes > SIZE && s.sentBytes < 2 * SIZE
    );
    assert.ok(appending.length > 0, "no report while the append was in flight");
    assert.equal(reports.at(-1)?.sentBytes, 2 * SIZE);
  });

  test("comes back to the confirmed bytes as soon as a chunk fails", async () => {
    await using server = await startTusServer();
    server.faults.latency(300, { method: "PATCH" });
    server.faults.failNext({ status: 500, method: "PATCH" });
    const bytes = randomBytes(8 * MIB);
    const client = new TusClient(server.url, {
      chunkSize: 8 * MIB,
      checksum: false,
      retryDelay: 600,
      onRetry: () => {
        // Halfway through the wait before the retry.
        setTimeout(() => waiting.push(uploader.stats), 300);
      },
    });
    const waiting: UploadStats[] = [];
    const { reports, onProgress } = recorder();
    const uploader = await client.createUploader({ fileStream: bytes });
    await uploader.upload({ onProgress });
    assert.equal(sha256(server.bytesOf(uploader.url ?? "")), sha256(bytes));
    assert.ok(
      reports.some((s) => s.uploadedBytes === 0 && s.sentBytes > 0),
      "the refused chunk was seen leaving",
    );
    assert.equal(waiting.length, 1);
    assert.equal(waiting[0]?.uploadedBytes, 0);
    assert.equal(waiting[0]?.sentBytes, 0, "still counting a refused chunk");
  });

  test("equals uploadedBytes without a progress listener", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(3 * MIB);
    const client = new TusClient(server.url, { chunkSize: MIB });
    const uploader = await client.createUploader({ fileStream: bytes });
    await uploader.upload();
    assert.equal(uploader.stats.sentBytes, 3 * MIB);
    assert.equal(uploader.stats.uploadedBytes, 3 * MIB);
  });
});
