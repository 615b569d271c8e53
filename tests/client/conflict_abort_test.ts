import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient, TusUploadFailed } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  randomBytes,
  requestsOf,
  sequence,
  sha256,
  tempFile,
  timed,
} from "../_helpers.ts";

const KIB = 1024;
const bytes = randomBytes(48 * KIB);
const options = { chunkSize: 16 * KIB, retryDelay: 1, maxRetries: 3 };

describe("409 Conflict", () => {
  test("asks the server with HEAD, moves to its offset and completes", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, options);
    const uploader = await client.createUploader({ fileStream: bytes });
    await uploader.uploadChunk();
    server.faults.conflictNext();
    const url = await uploader.upload();
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.deepEqual(sequence(server.requests), [
      "OPTIONS 204",
      "POST 201",
      "PATCH 204",
      "PATCH 409",
      "HEAD 200",
      "PATCH 204",
      "PATCH 204",
    ]);
    assert.equal(uploader.stats.chunksRetried, 0, "a conflict uses no retry");
    await uploader.close();
  });

  test("three conflicts in a row without progress end in TusUploadFailed, not a loop", async () => {
    await using server = await startTusServer();
    server.faults.conflictNext({ count: 100 });
    const client = new TusClient(server.url, options);
    await assert.rejects(client.uploadFile({ fileStream: bytes }), (error) => {
      assert.ok(error instanceof TusUploadFailed);
      assert.equal(error.statusCode, 409);
      assert.match(error.message, /3 offset conflicts in a row/);
      return true;
    });
    assert.equal(requestsOf(server.requests, "PATCH").length, 3);
    assert.equal(requestsOf(server.requests, "HEAD").length, 3);
  });

  test("a new client resumes from the server's offset after another client sent bytes", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, options);
    const url = await client.uploadFile({
      fileStream: bytes,
      stopAt: 16 * KIB,
    });
    const stale = await client.createUploader({
      fileStream: bytes,
      uploadUrl: url,
    });
    await client.resumeUpload({ fileStream: bytes, uploadUrl: url });
    // `stale` still believes the offset is 16 KiB: HEAD shows it complete.
    assert.equal(stale.offset, 16 * KIB);
    await stale.close();
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
  });
});

describe("a server that takes fewer bytes than sent", () => {
  test("the next PATCH starts at the server's Upload-Offset", async () => {
    await using server = await startTusServer();
    server.faults.cutNextPatch({ afterBytes: 5000, answer: true });
    const client = new TusClient(server.url, options);
    const uploader = await client.createUploader({ fileStream: bytes });
    const url = await uploader.upload();
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.deepEqual(
      requestsOf(server.requests, "PATCH").map((p) =>
        p.headers["upload-offset"]
      ),
      ["0", "5000", "21384", "37768"],
    );
    assert.equal(uploader.stats.chunksRetried, 0);
    await uploader.close();
  });
});

describe("abort", () => {
  test("an abort during a retry wait rejects within 100 ms and leaves the upload resumable", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 503, method: "PATCH" });
    const client = new TusClient(server.url, {
      ...options,
      retryDelay: 20_000,
    });
    const uploader = await client.createUploader({ fileStream: bytes });
    const controller = new AbortController();
    const run = uploader.upload({ signal: controller.signal });
    await waitFor(() => uploader.state === "retrying");
    controller.abort(new Error("user pressed stop"));
    const result = await timed(run);
    assert.ok(result.ms < 100, `rejected after ${result.ms} ms`);
    assert.ok(result.error instanceof TusUploadFailed);
    assert.equal((result.error.cause as Error).message, "user pressed stop");
    assert.equal(uploader.state, "failed");
    const url = await uploader.upload();
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    await uploader.close();
  });

  test("an abort during a request in flight rejects within 100 ms", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, options);
    const uploader = await client.createUploader({ fileStream: bytes });
    const stopDelay = server.faults.latency(5000, { method: "PATCH" });
    const controller = new AbortController();
    const run = uploader.upload({ signal: controller.signal });
    await waitFor(() =>
      server.requests.some((r) => r.method === "PATCH") ||
      uploader.state === "uploading"
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    const result = await timed(run);
    stopDelay();
    assert.ok(result.ms < 100, `rejected after ${result.ms} ms`);
    assert.ok(result.error instanceof TusUploadFailed);
    await uploader.close();
  });

  test("an already aborted signal sends nothing", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, options);
    const uploader = await client.createUploader({ fileStream: bytes });
    const before = server.requests.length;
    await assert.rejects(
      uploader.upload({ signal: AbortSignal.abort() }),
      TusUploadFailed,
    );
    assert.equal(server.requests.length, before);
    await uploader.close();
  });
});

describe("a connection dropped mid-PATCH", () => {
  test("loses nothing the server kept: resumeUpload() sends only the rest", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(100 * KIB);
    server.faults.cutNextPatch({ afterBytes: 10_000, count: Infinity });
    const client = new TusClient(server.url, {
      ...options,
      chunkSize: 64 * KIB,
      maxRetries: 0,
    });
    const uploader = await client.createUploader({ filePath: file.path });
    await assert.rejects(uploader.upload(), (error) => {
      assert.ok(error instanceof TusUploadFailed);
      assert.equal(error.statusCode, null);
      return true;
    });
    const url = uploader.url ?? "";
    await uploader.close();
    server.faults.clear();
    const kept = server.uploadOf(url)?.offset ?? 0;
    assert.ok(kept >= 10_000, `server kept ${kept} bytes`);
    const patchesBefore = requestsOf(server.requests, "PATCH").length;
    await client.resumeUpload({ filePath: file.path, uploadUrl: url });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    const resumed = requestsOf(server.requests, "PATCH").slice(patchesBefore);
    assert.equal(resumed[0]?.headers["upload-offset"], String(kept));
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(condition(), "condition not reached within 1 s");
}
