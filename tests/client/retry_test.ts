import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  TusClient,
  TusCommunicationError,
  TusUploadFailed,
} from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sequence, sha256 } from "../_helpers.ts";

const bytes = randomBytes(48 * 1024);
const options = { chunkSize: 16 * 1024, retryDelay: 1, maxRetries: 3 };

describe("retries", () => {
  for (const status of [500, 502, 503, 423, 429, 460]) {
    test(`a PATCH answered ${status} is retried and the bytes arrive intact`, async () => {
      await using server = await startTusServer();
      server.faults.failNext({ status, method: "PATCH", count: 2 });
      const client = new TusClient(server.url, options);
      const uploader = await client.createUploader({ fileStream: bytes });
      const url = await uploader.upload();
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      assert.equal(uploader.stats.chunksRetried, 2);
      assert.equal(uploader.stats.chunksFailed, 0);
      assert.deepEqual(sequence(requestsOf(server.requests, "PATCH")), [
        `PATCH ${status}`,
        `PATCH ${status}`,
        "PATCH 204",
        "PATCH 204",
        "PATCH 204",
      ]);
      await uploader.close();
    });
  }

  test("a dropped connection is retried from the server's offset", async () => {
    await using server = await startTusServer();
    // Deno's fetch may re-send once by itself: cut every attempt of the first chunk.
    server.faults.cutNextPatch({ afterBytes: 1000, count: 2 });
    const client = new TusClient(server.url, options);
    const uploader = await client.createUploader({ fileStream: bytes });
    const url = await uploader.upload();
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.ok(
      uploader.stats.chunksRetried >= 1,
      "the cut was seen and retried",
    );
    await uploader.close();
  });

  test("a request that outlives timeout is cancelled and retried", async () => {
    await using server = await startTusServer();
    const stopDelay = server.faults.latency(1200, { method: "PATCH" });
    // Timeouts stay well above loopback latency under load: only the
    // delayed PATCHes may time out, never the POST.
    const client = new TusClient(server.url, { ...options, timeout: 300 });
    const uploader = await client.createUploader({ fileStream: bytes });
    const run = uploader.upload();
    setTimeout(stopDelay, 400);
    const url = await run;
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.ok(uploader.stats.chunksRetried >= 1);
    await uploader.close();
  });

  test("a timeout on every attempt fails with statusCode null and names the timeout", async () => {
    await using server = await startTusServer();
    server.faults.latency(1000, { method: "PATCH" });
    const client = new TusClient(server.url, {
      ...options,
      timeout: 250,
      maxRetries: 1,
    });
    await assert.rejects(client.uploadFile({ fileStream: bytes }), (error) => {
      assert.ok(error instanceof TusUploadFailed);
      assert.equal(error.statusCode, null);
      assert.match(error.message, /within 250 ms/);
      return true;
    });
  });

  test("Retry-After is honoured instead of the backoff", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 503, method: "PATCH", retryAfter: "1" });
    const client = new TusClient(server.url, options);
    await client.uploadFile({ fileStream: bytes });
    const [failed, retried] = requestsOf(server.requests, "PATCH");
    const gap = (retried?.startedAt ?? 0) - (failed?.startedAt ?? 0);
    assert.ok(gap >= 900, `second attempt came after ${gap} ms, not ~1000`);
  });

  test("backoff doubles per attempt", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 500, method: "PATCH", count: 3 });
    const client = new TusClient(server.url, { ...options, retryDelay: 60 });
    await client.uploadFile({ fileStream: bytes });
    const starts = requestsOf(server.requests, "PATCH").map((r) => r.startedAt);
    const gaps = starts.slice(1, 4).map((t, i) => t - (starts[i] ?? 0));
    assert.ok(
      gaps[0]! >= 55 && gaps[1]! >= 115 && gaps[2]! >= 235,
      `gaps ${gaps}`,
    );
  });

  test("a chunk failing past maxRetries rejects with TusUploadFailed and counts as failed", async () => {
    await using server = await startTusServer();
    server.faults.failNext({
      status: 500,
      method: "PATCH",
      count: 10,
      body: "disk full",
    });
    const client = new TusClient(server.url, { ...options, maxRetries: 2 });
    const uploader = await client.createUploader({ fileStream: bytes });
    await assert.rejects(uploader.upload(), (error) => {
      assert.ok(error instanceof TusUploadFailed);
      assert.equal(error.statusCode, 500);
      assert.equal(
        new TextDecoder().decode(error.responseContent!),
        "disk full",
      );
      return true;
    });
    assert.equal(requestsOf(server.requests, "PATCH").length, 3);
    assert.deepEqual(
      [
        uploader.stats.chunksRetried,
        uploader.stats.chunksFailed,
        uploader.stats.totalChunks,
      ],
      [2, 1, 1],
    );
    assert.equal(uploader.state, "failed");
    await uploader.close();
  });

  for (const status of [400, 403, 404, 410, 413, 415]) {
    test(`a PATCH answered ${status} fails at once with its status`, async () => {
      await using server = await startTusServer();
      server.faults.failNext({ status, method: "PATCH" });
      const client = new TusClient(server.url, options);
      await assert.rejects(
        client.uploadFile({ fileStream: bytes }),
        (error) => {
          assert.ok(error instanceof TusUploadFailed);
          assert.equal(error.statusCode, status);
          assert.match(
            error.message,
            new RegExp(
              `Cannot send chunk at offset 0: server answered ${status}`,
            ),
          );
          return true;
        },
      );
      assert.equal(requestsOf(server.requests, "PATCH").length, 1);
    });
  }

  test("maxRetries 0 fails on the first error", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 503, method: "PATCH" });
    const client = new TusClient(server.url, { ...options, maxRetries: 0 });
    await assert.rejects(
      client.uploadFile({ fileStream: bytes }),
      TusUploadFailed,
    );
    assert.equal(requestsOf(server.requests, "PATCH").length, 1);
  });

  test("onShouldRetry overrides the decision and sees the error and attempt", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 400, method: "PATCH", count: 2 });
    const seen: Array<[number | null, number]> = [];
    const client = new TusClient(server.url, {
      ...options,
      onShouldRetry: (error, attempt) => {
        seen.push([error.statusCode, attempt]);
        return true;
      },
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.deepEqual(seen, [[400, 1], [400, 2]]);
  });

  test("creation is never retried blindly: a 500 on POST fails with TusCommunicationError", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 500, method: "POST" });
    const client = new TusClient(server.url, options);
    await assert.rejects(client.uploadFile({ fileStream: bytes }), (error) => {
      assert.ok(error instanceof TusCommunicationError);
      assert.ok(!(error instanceof TusUploadFailed));
      assert.equal(error.statusCode, 500);
      return true;
    });
    assert.equal(requestsOf(server.requests, "POST").length, 1);
  });
});
