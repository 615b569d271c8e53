import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  MemoryUrlStorage,
  TusClient,
  TusCommunicationError,
  TusUploadFailed,
  type UploadStats,
} from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256, tempFile } from "../_helpers.ts";

const KIB = 1024;

describe("parallelUploads", () => {
  test("splits a file into partial uploads joined by a final upload with the metadata", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(100 * KIB + 1, "movie.mp4");
    const client = new TusClient(server.url, {
      parallelUploads: 3,
      chunkSize: 16 * KIB,
    });
    const seen: UploadStats[] = [];
    const url = await client.uploadFile({
      filePath: file.path,
      metadata: { owner: "ada" },
      onProgress: (stats) => seen.push(stats),
    });
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    const posts = requestsOf(server.requests, "POST");
    assert.deepEqual(
      posts.map((p) => p.headers["upload-concat"]?.split(";")[0]),
      ["partial", "partial", "partial", "final"],
    );
    assert.deepEqual(
      posts.slice(0, 3).map((p) => p.headers["upload-metadata"]),
      [undefined, undefined, undefined],
      "parts carry no metadata",
    );
    const final = server.uploadOf(url);
    assert.equal(final?.kind, "final");
    assert.deepEqual(final?.metadata, { owner: "ada", filename: "movie.mp4" });
    assert.equal(seen.at(-1)?.uploadedBytes, file.bytes.length);
    assert.equal(seen.at(-1)?.totalBytes, file.bytes.length);
    assert.ok(seen.length >= 7, `${seen.length} progress reports`);
  });

  test("a part failing after its retries fails the whole, naming the part", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, {
      parallelUploads: 2,
      maxRetries: 0,
    });
    server.faults.failNext({ status: 400, method: "PATCH" });
    await assert.rejects(
      client.uploadFile({ fileStream: randomBytes(10 * KIB) }),
      (error) => {
        assert.ok(error instanceof TusUploadFailed);
        assert.match(error.message, /^Cannot upload part [12] of 2: /);
        assert.equal(error.statusCode, 400);
        return true;
      },
    );
    assert.equal(
      requestsOf(server.requests, "POST").filter((p) =>
        p.headers["upload-concat"]?.startsWith("final")
      ).length,
      0,
    );
  });

  test("an abort stops every part", async () => {
    await using server = await startTusServer();
    server.faults.latency(2000, { method: "PATCH" });
    const client = new TusClient(server.url, { parallelUploads: 3 });
    const controller = new AbortController();
    const run = client.uploadFile({
      fileStream: randomBytes(30 * KIB),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("stop")), 100);
    const started = performance.now();
    await assert.rejects(run, TusUploadFailed);
    assert.ok(performance.now() - started < 1000, "settled before the latency");
  });

  test("an aborted parallel upload names the parts it created, so they can be deleted", async () => {
    await using server = await startTusServer();
    let patches = 0;
    const client = new TusClient(server.url, {
      parallelUploads: 3,
      chunkSize: 4 * KIB,
      onBeforeRequest(request) {
        if (request.method === "PATCH") patches++;
      },
    });
    const controller = new AbortController();
    const remove = server.faults.latency(2000, { method: "PATCH" });
    const run = client.uploadFile({
      fileStream: randomBytes(30 * KIB),
      signal: controller.signal,
    });
    // Every part has its URL once its first PATCH goes out.
    for (let i = 0; i < 200 && patches < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    controller.abort(new Error("stop"));
    const error = await run.then(
      () => assert.fail("the upload should be aborted"),
      (failure: unknown) => failure,
    );
    remove();
    assert.ok(error instanceof TusUploadFailed);
    const created = server.uploads().map((upload) => upload.url).sort();
    assert.equal(created.length, 3);
    assert.deepEqual([...error.partUrls].sort(), created);
    assert.equal(error.uploadUrl, null, "no final upload exists");
    for (const url of error.partUrls) await client.deleteUpload(url);
    assert.ok(server.uploads().every((upload) => upload.gone !== null));
  });

  test("a server without concatenation is refused before any byte", async () => {
    await using server = await startTusServer({
      extensions: ["creation", "termination"],
    });
    const client = new TusClient(server.url, { parallelUploads: 2 });
    await assert.rejects(
      client.uploadFile({ fileStream: randomBytes(1000) }),
      (error) =>
        error instanceof TusCommunicationError &&
        /concatenation/.test(error.message),
    );
    assert.deepEqual(server.requests.map((r) => r.method), ["OPTIONS"]);
  });

  test("a stream input is refused before any request", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, { parallelUploads: 2 });
    await assert.rejects(
      client.uploadFile({ fileStream: new Blob([randomBytes(10)]).stream() }),
      TypeError,
    );
    assert.equal(server.requests.length, 0);
  });

  test("with storeUrl a re-run resumes each unfinished part and returns the final URL", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(64 * KIB);
    const urlStorage = new MemoryUrlStorage();
    const options = {
      parallelUploads: 2,
      chunkSize: 8 * KIB,
      storeUrl: true,
      urlStorage,
      maxRetries: 0,
    };
    // Stop once 40 of 64 KiB are on the server: each part holds at most
    // 32 KiB, so both parts exist and are remembered, and neither is done.
    // (Stopping a part while its POST is in flight could orphan it, as any
    // aborted creation can.)
    const stop = new AbortController();
    await assert.rejects(
      new TusClient(server.url, options).uploadFile({
        fileStream: bytes,
        signal: stop.signal,
        onProgress: (stats) => {
          if (stats.uploadedBytes >= 40 * KIB) stop.abort();
        },
      }),
      TusUploadFailed,
    );
    assert.ok(
      server.uploads().some((u) => u.kind === "partial" && !u.complete),
    );
    const partsBefore = requestsOf(server.requests, "POST").length;
    const url = await new TusClient(server.url, options).uploadFile({
      fileStream: bytes,
    });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const newPosts = requestsOf(server.requests, "POST").slice(partsBefore);
    assert.deepEqual(
      newPosts.map((p) => p.headers["upload-concat"]?.split(";")[0]),
      ["final"],
      "no part was created again",
    );
    const again = await new TusClient(server.url, options).uploadFile({
      fileStream: bytes,
    });
    assert.equal(again, url, "a finished parallel upload is found again");
  });
});
