import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  MemoryUrlStorage,
  TusCommunicationError,
  TusUploadFailed,
  type UploadStats,
} from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256, streamOf } from "../_helpers.ts";
import {
  createUploader,
  failureOf,
  lifecycleClient,
  resumeUpload,
  type RetryEvent,
  uploadFile,
  uploadUrlOf,
} from "./_lifecycle_api.ts";

const KIB = 1024;
const bytes = randomBytes(48 * KIB);
const options = { chunkSize: 16 * KIB, retryDelay: 1, maxRetries: 0 };

describe("error.uploadUrl", () => {
  test("a failed upload carries its URL, and resumeUpload finishes it from there", async () => {
    await using server = await startTusServer();
    let armed = false;
    const client = lifecycleClient(server.url, {
      ...options,
      onAfterResponse(request) {
        // The second chunk is refused.
        if (request.method === "PATCH" && !armed) {
          armed = true;
          server.faults.failNext({ status: 403, method: "PATCH" });
        }
      },
    });
    const error = await failureOf(client.uploadFile({ fileStream: bytes }));
    assert.ok(error instanceof TusUploadFailed, String(error));
    const [upload] = server.uploads();
    assert.equal(uploadUrlOf(error), upload?.url);
    assert.equal(upload?.offset, 16 * KIB);
    const url = await client.resumeUpload({
      fileStream: bytes,
      uploadUrl: uploadUrlOf(error) ?? "",
    });
    assert.equal(url, upload?.url);
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
  });

  test("an aborted upload carries its URL", async () => {
    await using server = await startTusServer();
    const controller = new AbortController();
    const client = lifecycleClient(server.url, options);
    const error = await failureOf(client.uploadFile({
      fileStream: bytes,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    }));
    assert.ok(error instanceof TusUploadFailed, String(error));
    assert.equal(uploadUrlOf(error), server.uploads()[0]?.url);
  });

  test("a failure before the upload exists has uploadUrl null", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 403, method: "POST" });
    const error = await failureOf(
      lifecycleClient(server.url, options).uploadFile({ fileStream: bytes }),
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.equal(uploadUrlOf(error), null);
  });

  test("a failure on a given URL carries that URL", async () => {
    await using server = await startTusServer();
    const client = lifecycleClient(server.url, options);
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 0 });
    server.faults.failNext({ status: 403, method: "HEAD" });
    const error = await failureOf(
      client.resumeUpload({ fileStream: bytes, uploadUrl: url }),
    );
    assert.ok(error instanceof TusCommunicationError, String(error));
    assert.equal(uploadUrlOf(error), url);
  });
});

describe("onUploadUrlAvailable", () => {
  /** Records each call with the methods the server had seen by then (no OPTIONS). */
  function recorder(server: { requests: readonly { method: string }[] }) {
    const calls: { url: string; seen: string[] }[] = [];
    const hook = (url: string) => {
      const seen = server.requests.map((entry) => entry.method);
      calls.push({ url, seen: seen.filter((method) => method !== "OPTIONS") });
    };
    return { calls, hook };
  }

  test("uploadFile: once, with the created URL, before the first PATCH", async () => {
    await using server = await startTusServer();
    const { calls, hook } = recorder(server);
    const client = lifecycleClient(server.url, options);
    const url = await uploadFile(client, {
      fileStream: bytes,
      onUploadUrlAvailable: hook,
    });
    assert.deepEqual(calls, [{ url, seen: ["POST"] }]);
  });

  test("uploadFile with data during creation: once, before the first PATCH", async () => {
    await using server = await startTusServer();
    const { calls, hook } = recorder(server);
    const client = lifecycleClient(server.url, {
      ...options,
      uploadDataDuringCreation: true,
    });
    const url = await uploadFile(client, {
      fileStream: bytes,
      onUploadUrlAvailable: hook,
    });
    assert.deepEqual(calls, [{ url, seen: ["POST"] }]);
  });

  test("uploadFile with a stored URL: once, with that URL", async () => {
    await using server = await startTusServer();
    const urlStorage = new MemoryUrlStorage();
    const client = lifecycleClient(server.url, {
      ...options,
      storeUrl: true,
      urlStorage,
    });
    const url = await client.uploadFile({
      fileStream: bytes,
      stopAt: 16 * KIB,
    });
    const { calls, hook } = recorder(server);
    await uploadFile(client, { fileStream: bytes, onUploadUrlAvailable: hook });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.url, url);
    assert.equal(calls[0]?.seen.filter((m) => m === "PATCH").length, 1);
  });

  test("resumeUpload and createUploader: once, with the given URL, before any PATCH", async () => {
    await using server = await startTusServer();
    const client = lifecycleClient(server.url, options);
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 0 });
    const resumed = recorder(server);
    await resumeUpload(client, {
      fileStream: bytes,
      uploadUrl: url,
      onUploadUrlAvailable: resumed.hook,
    });
    assert.deepEqual(resumed.calls.map((c) => c.url), [url]);
    assert.ok(!resumed.calls[0]?.seen.includes("PATCH"));
    const created = recorder(server);
    const before = requestsOf(server.requests, "PATCH").length;
    await using uploader = await createUploader(client, {
      fileStream: bytes,
      onUploadUrlAvailable: created.hook,
    });
    await uploader.upload();
    assert.equal(created.calls.length, 1);
    assert.equal(created.calls[0]?.url, uploader.url);
    assert.equal(
      created.calls[0]?.seen.filter((m) => m === "PATCH").length,
      before,
    );
  });
});

describe("onRetry", () => {
  test("is called before each retry wait, attempt counting from 1", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 503, method: "PATCH", count: 2 });
    const events: RetryEvent[] = [];
    const client = lifecycleClient(server.url, {
      ...options,
      maxRetries: 3,
      onRetry: (event) => events.push(event),
    });
    await client.uploadFile({ fileStream: bytes });
    assert.deepEqual(events.map((e) => e.attempt), [1, 2]);
    for (const event of events) {
      assert.ok(event.error instanceof TusCommunicationError);
      assert.equal(event.error.statusCode, 503);
      assert.ok(event.delayMs >= 0);
    }
  });
});

describe("progress", () => {
  test("bytes sent with creation-with-upload are reported", async () => {
    await using server = await startTusServer();
    const seen: number[] = [];
    const client = lifecycleClient(server.url, {
      ...options,
      uploadDataDuringCreation: true,
    });
    await client.uploadFile({
      fileStream: bytes,
      onProgress: (stats) => seen.push(stats.uploadedBytes),
    });
    const confirmed = seen.filter((bytes) => bytes > 0);
    assert.equal(confirmed[0], 16 * KIB, "the POST's bytes come first");
    assert.equal(seen.at(-1), 48 * KIB);
  });

  test("an upload that fits in its POST reports its bytes", async () => {
    await using server = await startTusServer();
    const small = randomBytes(10 * KIB);
    const seen: number[] = [];
    const client = lifecycleClient(server.url, {
      ...options,
      uploadDataDuringCreation: true,
    });
    await client.uploadFile({
      fileStream: small,
      onProgress: (stats) => seen.push(stats.uploadedBytes),
    });
    assert.deepEqual(requestsOf(server.requests, "PATCH"), []);
    assert.equal(seen.at(-1), 10 * KIB, "the POST's bytes are reported");
  });

  test("progressPercent and etaSeconds are null while the length is unknown", async () => {
    await using server = await startTusServer();
    const seen: UploadStats[] = [];
    await lifecycleClient(server.url, options).uploadFile({
      fileStream: streamOf(bytes),
      onProgress: (stats) => seen.push(stats),
    });
    // After 16 KiB of 48 KiB the client cannot know where the stream ends.
    const first = seen.find((stats) => stats.uploadedBytes > 0);
    assert.equal(first?.uploadedBytes, 16 * KIB);
    assert.equal(first?.progressPercent, null, "percent of an unknown total");
    assert.equal(first?.etaSeconds, null, "time left of an unknown total");
    assert.equal(seen.at(-1)?.progressPercent, 100);
  });
});
