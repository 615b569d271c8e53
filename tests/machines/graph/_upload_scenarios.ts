/**
 * Real runs that together take every transition of the upload machine:
 * each sets the server faults and client options its path needs, and checks
 * what a user sees (the bytes stored, or the error's class).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  TusClient,
  type TusClientOptions,
  TusUploadFailed,
} from "../../../mod.ts";
import type { TusServer } from "../../../src/testing/mod.ts";
import { randomBytes } from "../../_helpers.ts";
import type { Recorder } from "./_coverage.ts";
import {
  assertStored,
  FailingUrlStorage,
  reached,
  rejection,
  type Scenario,
} from "./_kit.ts";

/** Bytes per PATCH. */
export const CHUNK = 16 * 1024;
/** Three chunks: 16 KiB, 16 KiB, 8 KiB. */
export const bytes = randomBytes(40 * 1024, 7);

/** A client for `server` recorded by `recorder`, with 1 ms retries. */
export function clientOf(
  server: { url: string },
  recorder: Recorder,
  options: TusClientOptions = {},
): TusClient {
  return new TusClient(server.url, {
    chunkSize: CHUNK,
    checksum: false,
    retryDelay: 1,
    maxRetries: 2,
    inspect: recorder.inspect,
    ...options,
  });
}

/** Creates an upload holding its first chunk, with a client not recorded. */
async function partialUpload(server: TusServer): Promise<string> {
  const client = new TusClient(server.url, {
    chunkSize: CHUNK,
    checksum: false,
  });
  return await client.uploadFile({ fileStream: bytes, stopAt: CHUNK });
}

/** `content` as a stream of unknown length, in pieces of 5000 bytes. */
function streamOf(content: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= content.length) return controller.close();
      controller.enqueue(content.slice(at, at + 5000));
      at += 5000;
    },
  });
}

/** How many PATCH requests declared `Upload-Length`. */
function lengthDeclarations(server: TusServer): number {
  return server.requests.filter((r) =>
    r.method === "PATCH" && r.headers["upload-length"] !== undefined
  ).length;
}

/** The URL of the one upload the server holds. */
export function onlyUpload(server: TusServer): string {
  const uploads = server.uploads();
  assert.equal(uploads.length, 1, "one upload on the server");
  return uploads[0]!.url;
}

/** Uploads `bytes` with `client` and checks the server holds all of them. */
async function uploadAll(
  server: TusServer,
  client: TusClient,
): Promise<string> {
  const url = await client.uploadFile({ fileStream: bytes });
  assertStored(server, url, bytes);
  return url;
}

export const UPLOAD_SCENARIOS: Scenario[] = [
  {
    name: "checksum negotiated by OPTIONS, three chunks",
    faults: [],
    run: async ({ server, recorder }) => {
      await uploadAll(server, clientOf(server, recorder, { checksum: true }));
    },
  },
  {
    name: "progress watched: the connection's bytes reported in flight",
    faults: [],
    run: async ({ server, recorder }) => {
      const sent: number[] = [];
      const url = await clientOf(server, recorder).uploadFile({
        fileStream: bytes,
        onProgress: (stats) => sent.push(stats.sentBytes),
      });
      assertStored(server, url, bytes);
      assert.equal(sent.at(-1), bytes.length);
    },
  },
  {
    name: "creation-with-upload carries the whole content",
    faults: [],
    run: async ({ server, recorder }) => {
      const client = clientOf(server, recorder, {
        uploadDataDuringCreation: true,
        chunkSize: bytes.length,
      });
      const sent: number[] = [];
      const url = await client.uploadFile({
        fileStream: bytes,
        onProgress: (stats) => sent.push(stats.sentBytes),
      });
      assertStored(server, url, bytes);
      assert.deepEqual(sent, [bytes.length, bytes.length]);
      const methods = server.requests.map((r) => r.method);
      assert.deepEqual(methods.filter((m) => m === "PATCH"), []);
    },
  },
  {
    name: "stored URL, forgotten once complete",
    faults: ["MemoryUrlStorage", "removeFingerprintOnSuccess"],
    run: async ({ server, recorder }) => {
      const urlStorage = new FailingUrlStorage();
      const options = {
        storeUrl: true,
        urlStorage,
        removeFingerprintOnSuccess: true,
      };
      await uploadAll(server, clientOf(server, recorder, options));
      const key = urlStorage.keys[0] ?? "";
      assert.equal(await urlStorage.inner.getUrl(key), null);
    },
  },
  {
    name: "stored URL answers 404: forgotten, created anew",
    faults: ["stored URL of a partial upload", "forget(url, 404)"],
    run: async ({ server, recorder }) => {
      const urlStorage = new FailingUrlStorage();
      const first = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const old = await first.uploadFile({ fileStream: bytes, stopAt: CHUNK });
      server.faults.forget(old, 404);
      const again = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const url = await uploadAll(server, again);
      assert.notEqual(url, old);
    },
  },
  {
    name: "resume a given URL, told onUploadUrlAvailable",
    faults: ["partial upload"],
    run: async ({ server, recorder }) => {
      const uploadUrl = await partialUpload(server);
      const told: string[] = [];
      const url = await clientOf(server, recorder).resumeUpload({
        fileStream: bytes,
        uploadUrl,
        onUploadUrlAvailable: (u) => void told.push(u),
      });
      assert.deepEqual(told, [uploadUrl]);
      assertStored(server, url, bytes);
    },
  },
  {
    name: "uploadChunk() then upload()",
    faults: [],
    run: async ({ server, recorder }) => {
      const uploader = await clientOf(server, recorder).createUploader({
        fileStream: bytes,
      });
      await using _ = uploader;
      assert.equal(await uploader.uploadChunk(), true);
      assert.equal(uploader.offset, CHUNK);
      const url = await uploader.upload();
      assertStored(server, url, bytes);
    },
  },
  {
    name: "a 500 on a PATCH: retried after a HEAD",
    faults: ["failNext(500, PATCH)"],
    run: async ({ server, recorder }) => {
      server.faults.failNext({ status: 500, method: "PATCH" });
      const retries: number[] = [];
      const client = clientOf(server, recorder, {
        onRetry: (event) => void retries.push(event.attempt),
      });
      await uploadAll(server, client);
      assert.deepEqual(retries, [1]);
    },
  },
  {
    name: "a 460 checksum mismatch: the same bytes again",
    faults: ["failNext(460, PATCH)"],
    run: async ({ server, recorder }) => {
      server.faults.failNext({ status: 460, method: "PATCH" });
      await uploadAll(server, clientOf(server, recorder, { checksum: true }));
      const heads = server.requests.filter((r) => r.method === "HEAD");
      assert.equal(heads.length, 0, "a 460 needs no HEAD");
    },
  },
  {
    name: "a 409 on a PATCH: HEAD, then on from the server's offset",
    faults: ["conflictNext()"],
    run: async ({ server, recorder }) => {
      server.faults.conflictNext();
      await uploadAll(server, clientOf(server, recorder));
    },
  },
  {
    name: "a 204 that stored nothing: the offset is disputed",
    faults: ["cutNextPatch({ afterBytes: 0, answer: true })"],
    run: async ({ server, recorder }) => {
      server.faults.cutNextPatch({ afterBytes: 0, answer: true });
      await uploadAll(server, clientOf(server, recorder));
    },
  },
  {
    name: "the answer to a stored PATCH is lost (network error)",
    faults: ["loseNextPatchResponse()", "dropStalePatches()"],
    run: async ({ server, recorder }) => {
      server.faults.loseNextPatchResponse();
      server.faults.dropStalePatches();
      await uploadAll(server, clientOf(server, recorder, { maxRetries: 3 }));
    },
  },
  {
    name: "409s without progress: failed, then upload() finishes",
    faults: ["conflictNext({ count: 3 })"],
    run: async ({ server, recorder }) => {
      server.faults.conflictNext({ count: 3 });
      const uploader = await clientOf(server, recorder).createUploader({
        fileStream: bytes,
      });
      await using _ = uploader;
      const error = await rejection(uploader.upload(), TusUploadFailed);
      assert.equal(error.statusCode, 409);
      assert.equal(error.uploadUrl, uploader.url, "the error names the URL");
      assert.equal(uploader.state, "failed");
      const url = await uploader.upload();
      assertStored(server, url, bytes);
    },
  },
  {
    name: "a 400 on a PATCH: HEAD, failed; uploadChunk() and close() after",
    faults: ["failNext(400, PATCH)"],
    run: async ({ server, recorder }) => {
      server.faults.failNext({ status: 400, method: "PATCH" });
      const uploader = await clientOf(server, recorder).createUploader({
        fileStream: bytes,
      });
      const error = await rejection(uploader.uploadChunk(), TusUploadFailed);
      assert.equal(error.statusCode, 400);
      assert.equal(error.uploadUrl, uploader.url, "the error names the URL");
      assert.equal(await uploader.uploadChunk(), true);
      assert.equal(uploader.offset, CHUNK);
      await uploader.close();
      assert.equal(uploader.state, "closed");
    },
  },
  {
    name: "a 400 on the last PATCH whose bytes were stored: done",
    faults: ["storeNextPatchThenAnswer(400)"],
    run: async ({ server, recorder }) => {
      server.faults.storeNextPatchThenAnswer({ status: 400 });
      const client = clientOf(server, recorder, { chunkSize: bytes.length });
      await uploadAll(server, client);
    },
  },
  {
    name: "a 400 on a PATCH and a 500 on the HEAD after it",
    faults: ["failNext(400, PATCH)", "failNext(500, HEAD)"],
    run: async ({ server, recorder }) => {
      server.faults.failNext({ status: 400, method: "PATCH" });
      server.faults.failNext({ status: 500, method: "HEAD" });
      const client = clientOf(server, recorder);
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusUploadFailed,
      );
      assert.equal(error.statusCode, 400, "the refusal stands");
      assert.equal(error.uploadUrl, onlyUpload(server));
    },
  },
  {
    name: "a 409, then a 500 on its HEAD: retried",
    faults: ["conflictNext()", "failNext(500, HEAD)"],
    run: async ({ server, recorder }) => {
      server.faults.conflictNext();
      server.faults.failNext({ status: 500, method: "HEAD" });
      await uploadAll(server, clientOf(server, recorder));
    },
  },
  {
    name: "a stream of unknown length ending at a chunk boundary",
    faults: ["refuseKnownUploadLength()", "stream input"],
    run: async ({ server, recorder }) => {
      server.faults.refuseKnownUploadLength();
      const content = bytes.subarray(0, 2 * CHUNK);
      const url = await clientOf(server, recorder).uploadFile({
        fileStream: streamOf(content),
      });
      assertStored(server, url, content);
      assert.equal(lengthDeclarations(server), 1, "the length declared once");
    },
  },
  {
    name: "a stream's last PATCH, declaring the length, loses its answer",
    faults: [
      "loseNextPatchResponse() on the declaring PATCH",
      "dropStalePatches()",
      "refuseKnownUploadLength()",
      "stream input",
    ],
    run: async ({ server, recorder }) => {
      server.faults.dropStalePatches();
      server.faults.refuseKnownUploadLength();
      let armed = false;
      const client = clientOf(server, recorder, {
        onBeforeRequest(request) {
          if (armed || !request.headers.has("upload-length")) return;
          if (request.method !== "PATCH") return;
          armed = true;
          server.faults.loseNextPatchResponse();
        },
      });
      const url = await client.uploadFile({ fileStream: streamOf(bytes) });
      assert.ok(armed, "the declaring PATCH was sent");
      assertStored(server, url, bytes);
    },
  },
  {
    name: "abort while a PATCH is in flight",
    faults: ["latency(10 s, PATCH)", "AbortSignal"],
    run: async ({ server, recorder }) => {
      const stop = server.faults.latency(10_000, { method: "PATCH" });
      const controller = new AbortController();
      const run = clientOf(server, recorder).uploadFile({
        fileStream: bytes,
        signal: controller.signal,
      });
      run.catch(() => {});
      try {
        await reached(recorder, "upload.uploading");
        controller.abort();
        const error = await rejection(run, TusUploadFailed);
        assert.equal(error.uploadUrl, onlyUpload(server));
      } finally {
        stop();
      }
    },
  },
];
