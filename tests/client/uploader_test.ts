import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  TusCommunicationError,
  TusUploadFailed,
  Uploader,
  UploadStats,
} from "../../mod.ts";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sequence, tempFile } from "../_helpers.ts";
import { clientFor, openHandlesTo } from "./_client_helpers.ts";

const bytes = randomBytes(25, 3);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** An upload holding the first `stopAt` bytes of `bytes`. */
async function partialUpload(server: TusServer, stopAt: number) {
  const client = clientFor(server, { chunkSize: 10 });
  const url = await client.uploadFile({ fileStream: bytes, stopAt });
  return { url, before: server.requests.length };
}

describe("createUploader() and uploadChunk()", () => {
  test("uploadChunk() sends one PATCH per call and returns true while more remains", async () => {
    await using server = await startTusServer();
    await using up = await clientFor(server).createUploader({
      fileStream: bytes,
      chunkSize: 10,
      metadata: { kind: "test" },
    });
    assert.deepEqual(sequence(server.requests), ["OPTIONS 204", "POST 201"]);
    assert.equal(up.url, server.uploads()[0]?.url);
    assert.deepEqual(server.uploads()[0]?.metadata, { kind: "test" });
    assert.deepEqual([up.state, up.offset, up.isComplete], ["ready", 0, false]);
    const steps = [];
    for (let i = 0; i < 3; i++) {
      const more = await up.uploadChunk();
      const log = server.requests.length;
      steps.push(`${more} ${up.offset} ${up.state} ${up.isComplete} ${log}`);
    }
    assert.deepEqual(steps, [
      "true 10 ready false 3",
      "true 20 ready false 4",
      "false 25 done true 5",
    ]);
    const patches = requestsOf(server.requests, "PATCH");
    const offsets = patches.map((p) => p.headers["upload-offset"]);
    assert.deepEqual(offsets, ["0", "10", "20"]);
    assert.deepEqual(server.bytesOf(up.url ?? ""), bytes);
  });

  test("uploadChunk() after the end returns false without a request", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { chunkSize: 100 });
    await using up = await client.createUploader({ fileStream: bytes });
    assert.equal(await up.uploadChunk(), false);
    const count = server.requests.length;
    assert.equal(await up.uploadChunk(), false);
    assert.equal(await up.upload(), up.url);
    assert.equal(server.requests.length, count);
    assert.equal(up.state, "done");
  });

  test("createUploader() of empty content is done at once without a PATCH", async () => {
    await using server = await startTusServer();
    await using up = await clientFor(server).createUploader({
      fileStream: new Uint8Array(0),
    });
    assert.deepEqual([up.state, up.isComplete], ["done", true]);
    assert.equal(await up.uploadChunk(), false);
    assert.equal(up.stats.progressPercent, 100);
    assert.deepEqual(sequence(server.requests), ["OPTIONS 204", "POST 201"]);
  });

  test("createUploader() with uploadUrl reads the offset with one HEAD and continues there", async () => {
    await using server = await startTusServer();
    const { url, before } = await partialUpload(server, 10);
    const client = clientFor(server, { chunkSize: 10 });
    await using up = await client.createUploader({
      fileStream: bytes,
      uploadUrl: url,
    });
    assert.deepEqual(sequence(server.requests.slice(before)), [
      "OPTIONS 204",
      "HEAD 200",
    ]);
    assert.deepEqual([up.offset, up.url, up.state], [10, url, "ready"]);
    assert.equal(await up.uploadChunk(), true);
    assert.equal(up.offset, 20);
    assert.equal(await up.upload(), url);
    assert.deepEqual(server.bytesOf(url), bytes);
  });

  test("state reads unopened before open() and closed after close() mid-upload", async () => {
    await using server = await startTusServer();
    const { url } = await partialUpload(server, 10);
    const up = new Uploader({ url, fileStream: bytes });
    assert.equal(up.state, "unopened");
    await up.open();
    assert.equal(up.state, "ready");
    await up.close();
    assert.equal(up.state, "closed");
  });

  test("upload() after uploadChunk() stops at stopAt, then sends the rest", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { chunkSize: 10 });
    await using up = await client.createUploader({ fileStream: bytes });
    await up.uploadChunk();
    assert.equal(await up.upload({ stopAt: 15 }), up.url);
    assert.deepEqual([up.offset, up.state], [15, "ready"]);
    assert.equal(await up.upload(), up.url);
    assert.deepEqual([up.offset, up.state], [25, "done"]);
    assert.deepEqual(
      requestsOf(server.requests, "PATCH").map((p) => p.bodyBytes),
      [10, 5, 10],
    );
  });

  test("uploadChunk() after a failure resumes with a HEAD from the server's offset", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { chunkSize: 10, maxRetries: 0 });
    await using up = await client.createUploader({ fileStream: bytes });
    server.faults.failNext({ status: 500, method: "PATCH" });
    await assert.rejects(up.uploadChunk(), TusUploadFailed);
    assert.equal(up.state, "failed");
    assert.equal(up.stats.chunksFailed, 1);
    assert.equal(up.stats.totalChunks, 1);
    assert.equal(await up.uploadChunk(), true);
    assert.deepEqual([up.offset, up.state], [10, "ready"]);
    assert.deepEqual(sequence(server.requests), [
      "OPTIONS 204",
      "POST 201",
      "PATCH 500",
      "HEAD 200",
      "PATCH 204",
    ]);
    assert.equal(up.stats.totalChunks, up.stats.chunksCompleted + 1);
  });

  test("createUploader() with an aborted signal rejects with TusUploadFailed and sends nothing", async () => {
    await using server = await startTusServer();
    await assert.rejects(
      clientFor(server).createUploader({
        fileStream: bytes,
        signal: AbortSignal.abort(new Error("stop")),
      }),
      TusUploadFailed,
    );
    assert.equal(server.requests.length, 0);
  });
  test("state names the active state, dotted when nested, at every step", async () => {
    await using server = await startTusServer();
    const { url } = await partialUpload(server, 10);
    const states: string[] = [];
    await using up: Uploader = new Uploader({
      url,
      fileStream: bytes,
      chunkSize: 10,
      maxRetries: 1,
      retryDelay: 1,
      inspect: (event) => {
        if (event.type !== "@xstate.snapshot") return;
        if (states.at(-1) !== up.state) states.push(up.state);
      },
    });
    server.faults.failNext({ status: 503, method: "PATCH" });
    server.faults.conflictNext();
    await up.upload();
    // The 503 is followed by a HEAD before the chunk goes again.
    assert.deepEqual(states, [
      "probing",
      "opening",
      "uploading",
      "retrying",
      "conflict.head",
      "uploading",
      "conflict.head",
      "uploading",
      "done",
    ]);
  });
});

describe("Uploader stats", () => {
  test("stats count bytes, chunks, percent, speed and ETA", async () => {
    await using server = await startTusServer();
    server.faults.latency(3, { method: "PATCH" });
    const client = clientFor(server, { chunkSize: 10 });
    await using up = await client.createUploader({ fileStream: bytes });
    const start = up.stats;
    assert.deepEqual(
      [start.totalBytes, start.uploadedBytes, start.chunksCompleted],
      [25, 0, 0],
    );
    assert.deepEqual([start.totalChunks, start.progressPercent], [0, 0]);
    assert.equal(start.etaSeconds, null);
    await up.uploadChunk();
    const middle = up.stats;
    assert.deepEqual([middle.uploadedBytes, middle.chunksCompleted], [10, 1]);
    assert.equal(middle.progressPercent, 40);
    assert.ok(middle.uploadSpeed > 0);
    assert.equal(middle.uploadSpeedMbps, middle.uploadSpeed / 2 ** 20);
    assert.ok(middle.etaSeconds !== null && middle.etaSeconds > 0);
    while (await up.uploadChunk());
    const end = up.stats;
    assert.deepEqual(
      [end.uploadedBytes, end.chunksCompleted, end.chunksFailed],
      [25, 3, 0],
    );
    assert.deepEqual([end.totalChunks, end.progressPercent, end.etaSeconds], [
      3,
      100,
      0,
    ]);
    assert.ok(end.uploadSpeed > 0);
    assert.ok(
      end.startTime <= Date.now() && end.startTime > Date.now() - 10_000,
    );
  });

  test("stats.elapsedTime grows while the upload rests and stops once it is done", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { chunkSize: 10 });
    await using up = await client.createUploader({ fileStream: bytes });
    await up.uploadChunk();
    const resting = up.stats.elapsedTime;
    await sleep(30);
    assert.ok(up.stats.elapsedTime >= resting + 0.02);
    await up.upload();
    const done = up.stats;
    const first = done.elapsedTime;
    await sleep(30);
    assert.equal(done.elapsedTime, first);
    assert.equal(up.stats.elapsedTime, first);
    assert.ok(first >= 0.03);
  });

  test("stats is a frozen snapshot that later chunks do not change", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { chunkSize: 10 });
    await using up = await client.createUploader({ fileStream: bytes });
    await up.uploadChunk();
    const snapshot = up.stats;
    assert.ok(snapshot instanceof UploadStats);
    assert.ok(Object.isFrozen(snapshot));
    assert.throws(() => {
      (snapshot as { uploadedBytes: number }).uploadedBytes = 99;
    }, TypeError);
    await up.upload();
    assert.equal(snapshot.uploadedBytes, 10);
    assert.equal(up.stats.uploadedBytes, 25);
    assert.notEqual(up.stats, up.stats);
  });
});

describe("new Uploader() and Uploader.open()", () => {
  test("new Uploader({ url, filePath }).open() reads the offset with one HEAD", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes);
    const { url, before } = await partialUpload(server, 10);
    await using up = new Uploader({ url, filePath: file.path, chunkSize: 10 });
    assert.equal(server.requests.length, before);
    await up.open();
    await up.open();
    assert.deepEqual(sequence(server.requests.slice(before)), [
      "OPTIONS 204",
      "HEAD 200",
    ]);
    assert.deepEqual([up.offset, up.state, up.url], [10, "ready", url]);
    assert.equal(up.stats.uploadedBytes, 10);
    assert.equal(await up.upload(), url);
    assert.deepEqual(server.bytesOf(url), bytes);
  });

  test("Uploader.open() opens and reads the offset; an upload already complete is done", async () => {
    await using server = await startTusServer();
    const { url, before } = await partialUpload(server, 25);
    await using up = await Uploader.open({ url, fileStream: bytes });
    assert.deepEqual([up.offset, up.state, up.isComplete], [25, "done", true]);
    assert.equal(await up.uploadChunk(), false);
    assert.equal(await up.upload(), url);
    assert.deepEqual(sequence(server.requests.slice(before)), [
      "OPTIONS 204",
      "HEAD 200",
    ]);
  });

  test("new Uploader() does not retry by default", async () => {
    await using server = await startTusServer();
    const { url, before } = await partialUpload(server, 10);
    await using up = await Uploader.open({ url, fileStream: bytes });
    server.faults.failNext({ status: 503, method: "PATCH" });
    await assert.rejects(up.upload(), TusUploadFailed);
    assert.deepEqual(sequence(server.requests.slice(before)), [
      "OPTIONS 204",
      "HEAD 200",
      "PATCH 503",
    ]);
  });

  test("Uploader.open() on an upload the server lost rejects with statusCode 404", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes);
    const { url } = await partialUpload(server, 10);
    server.faults.forget(url, 404);
    const error = await Uploader.open({ url, filePath: file.path }).catch(
      (e) => e,
    );
    assert.ok(error instanceof TusCommunicationError);
    assert.equal(error.statusCode, 404);
    const handles = openHandlesTo(file.path);
    if (handles !== null) assert.equal(handles, 0);
  });
});

describe("Uploader close()", () => {
  test("close() releases the file handle and is harmless twice", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes);
    const client = clientFor(server, { chunkSize: 10 });
    const up = await client.createUploader({ filePath: file.path });
    await up.uploadChunk();
    const handles = openHandlesTo(file.path);
    if (handles !== null) assert.equal(handles, 1);
    await up.close();
    await up.close();
    if (handles !== null) assert.equal(openHandlesTo(file.path), 0);
  });

  test("await using closes the uploader at the end of its block", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes);
    const client = clientFor(server, { chunkSize: 10 });
    {
      await using up = await client.createUploader({ filePath: file.path });
      await up.uploadChunk();
      const handles = openHandlesTo(file.path);
      // At least ours; a descriptor the runtime's writeFile has not closed
      // yet may still be listed under load.
      if (handles !== null) assert.ok(handles >= 1, `${handles} handles`);
    }
    let handles = openHandlesTo(file.path);
    for (let i = 0; i < 50 && handles !== null && handles > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      handles = openHandlesTo(file.path);
    }
    if (handles !== null) assert.equal(handles, 0);
  });

  test("uploadFile() releases the file whether it succeeds or fails", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes);
    const client = clientFor(server, { chunkSize: 10, maxRetries: 0 });
    await client.uploadFile({ filePath: file.path });
    server.faults.failNext({ status: 400, method: "PATCH" });
    await assert.rejects(client.uploadFile({ filePath: file.path }));
    const handles = openHandlesTo(file.path);
    if (handles !== null) assert.equal(handles, 0);
  });

  test("close() during uploadChunk() rejects the pending call with TusUploadFailed", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { chunkSize: 10 });
    const up = await client.createUploader({ fileStream: bytes });
    const remove = server.faults.latency(200, { method: "PATCH" });
    const pending = up.uploadChunk();
    await sleep(20);
    const started = Date.now();
    await up.close();
    await assert.rejects(pending, TusUploadFailed);
    assert.ok(Date.now() - started < 150);
    remove();
  });
  test(
    "upload() and uploadChunk() after close() reject without a request",
    async () => {
      await using server = await startTusServer();
      const client = clientFor(server, { chunkSize: 10 });
      const up = await client.createUploader({ fileStream: bytes });
      await up.uploadChunk();
      await up.close();
      await assert.rejects(up.uploadChunk());
      await assert.rejects(up.upload());
      assert.deepEqual(sequence(server.requests), [
        "OPTIONS 204",
        "POST 201",
        "PATCH 204",
      ]);
    },
  );
});

describe("Uploader inspect", () => {
  test("inspect receives XState inspection events of the upload actor", async () => {
    await using server = await startTusServer();
    const types = new Set<string>();
    const values: unknown[] = [];
    const client = clientFor(server, {
      chunkSize: 10,
      inspect: (event) => {
        types.add(event.type);
        if (event.type === "@xstate.snapshot") {
          values.push((event.snapshot as { value?: unknown }).value);
        }
      },
    });
    await client.uploadFile({ fileStream: bytes });
    for (const type of ["@xstate.actor", "@xstate.event", "@xstate.snapshot"]) {
      assert.ok(types.has(type), type);
    }
    assert.ok(values.includes("uploading"));
    assert.ok(values.includes("done"));
  });

  test("new Uploader({ inspect }) takes an observer object", async () => {
    await using server = await startTusServer();
    const { url } = await partialUpload(server, 10);
    let snapshots = 0;
    await using up = await Uploader.open({
      url,
      fileStream: bytes,
      inspect: {
        next: (event) => {
          if (event.type === "@xstate.snapshot") snapshots++;
        },
      },
    });
    await up.upload();
    assert.ok(snapshots >= 2);
  });
});
