import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  IETF_DRAFT_INTEROP_VERSION,
  MemoryUrlStorage,
  TusClient,
  TusCommunicationError,
} from "../../mod.ts";
import { startDraftServer } from "../../src/testing/mod.ts";
import { randomBytes, streamOf, tempFile } from "../_helpers.ts";
import {
  assertDraftHeaders,
  assertStored,
  bodiesOf,
  draftClient,
  steps,
} from "./_ietf_helpers.ts";

describe("protocol: ietf-draft, uploads", () => {
  test("mod.ts exports the interop version", () => {
    assert.equal(IETF_DRAFT_INTEROP_VERSION, 9);
  });

  test("a file by path: OPTIONS, a creation carrying the first chunk (its 104 seen), appends, the last completing", async () => {
    await using server = await startDraftServer();
    await using file = await tempFile(200_000);
    const client = draftClient(server, { chunkSize: 64 * 1024 });
    const url = await client.uploadFile({ filePath: file.path });
    assertStored(server, url, file.bytes);
    assert.deepEqual(steps(server), [
      "OPTIONS 204",
      "POST 201",
      "PATCH 204",
      "PATCH 204",
      "PATCH 200",
    ]);
    const [, post, ...patches] = server.requests;
    assert.equal(post?.interim[0]?.status, 104);
    assert.equal(post?.headers["upload-complete"], "?0");
    assert.equal(post?.headers["upload-length"], "200000");
    assert.equal(post?.bodyBytes, 64 * 1024);
    assert.deepEqual(
      patches.map((p) => [p.headers["upload-complete"], p.bodyBytes]),
      [["?0", 65536], ["?0", 65536], ["?1", 200_000 - 3 * 65536]],
    );
    assert.ok(
      patches.every((p) =>
        p.headers["content-type"] === "application/partial-upload"
      ),
    );
  });

  test("bytes that fit one chunk go in one creation with Upload-Complete: ?1", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(5000);
    const url = await draftClient(server).uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(steps(server), ["OPTIONS 204", "POST 200"]);
    assert.equal(server.requests[1]?.headers["upload-complete"], "?1");
  });

  test("with the user's own fetch (no 104s) the creation is careful: empty, then appends", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(30_000, 2);
    const client = draftClient(server, {
      fetch: (input, init) => fetch(input, init),
      chunkSize: 16_384,
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(steps(server), [
      "OPTIONS 204",
      "POST 201",
      "PATCH 204",
      "PATCH 200",
    ]);
    assert.equal(server.requests[1]?.bodyBytes, 0);
    assert.equal(server.requests[1]?.headers["upload-complete"], "?0");
  });

  test("an empty upload is one complete creation", async () => {
    await using server = await startDraftServer();
    const client = draftClient(server, {
      checksum: false,
      fetch: (input, init) => fetch(input, init),
    });
    const url = await client.uploadFile({ fileStream: new Uint8Array(0) });
    assertStored(server, url, new Uint8Array(0));
    assert.deepEqual(steps(server), ["POST 200"]);
  });

  test("a stream of unknown length: no Upload-Length until its end, then on the completing append", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(180_000, 3);
    const client = draftClient(server, { chunkSize: 50_000 });
    const url = await client.uploadFile({ fileStream: streamOf(bytes) });
    assertStored(server, url, bytes);
    const posts = server.requests.filter((r) => r.method === "POST");
    assert.equal(posts[0]?.headers["upload-length"], undefined);
    const patches = server.requests.filter((r) => r.method === "PATCH");
    const last = patches.at(-1);
    assert.equal(last?.headers["upload-complete"], "?1");
    assert.equal(last?.headers["upload-length"], "180000");
    assert.ok(
      patches.slice(0, -1).every((p) =>
        p.headers["upload-length"] === undefined &&
        p.headers["upload-complete"] === "?0"
      ),
    );
  });

  test("a stream ending on a chunk boundary is completed by its last append", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(100_000, 4);
    const client = draftClient(server, { chunkSize: 50_000 });
    const url = await client.uploadFile({ fileStream: streamOf(bytes) });
    assertStored(server, url, bytes);
    const last = server.requests.at(-1);
    assert.equal(last?.method, "PATCH");
    assert.equal(last?.headers["upload-complete"], "?1");
    assert.equal(last?.headers["upload-length"], "100000");
  });
});

describe("protocol: ietf-draft, limits", () => {
  test("max-append-size from OPTIONS bounds the creation and every append below chunkSize", async () => {
    await using server = await startDraftServer({
      limits: { maxAppendSize: 10_000 },
    });
    const bytes = randomBytes(45_000, 5);
    const client = draftClient(server, { chunkSize: 64 * 1024 });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(bodiesOf(server, "POST"), [10_000]);
    assert.deepEqual(bodiesOf(server, "PATCH"), [10_000, 10_000, 10_000, 5000]);
  });

  test("max-append-size learned from the creation answer when OPTIONS is not asked", async () => {
    await using server = await startDraftServer({
      limits: { maxAppendSize: 8000 },
    });
    const bytes = randomBytes(20_000, 6);
    const client = draftClient(server, {
      checksum: false,
      chunkSize: 65_536,
      fetch: (input, init) => fetch(input, init),
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.equal(steps(server)[0], "POST 201");
    assert.deepEqual(bodiesOf(server, "PATCH"), [8000, 8000, 4000]);
  });

  test("min-append-size grows appends above chunkSize; the completing one may be smaller", async () => {
    await using server = await startDraftServer({
      limits: { minAppendSize: 20_000 },
    });
    const bytes = randomBytes(50_000, 7);
    const client = draftClient(server, { chunkSize: 4096 });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(bodiesOf(server, "POST"), [20_000]);
    assert.deepEqual(bodiesOf(server, "PATCH"), [20_000, 10_000]);
  });

  test("max-size refuses the upload before any creation is sent", async () => {
    await using server = await startDraftServer({ limits: { maxSize: 1000 } });
    const client = draftClient(server);
    await assert.rejects(
      client.uploadFile({ fileStream: randomBytes(5000) }),
      (error) =>
        error instanceof TusCommunicationError && error.statusCode === null &&
        /max-size/.test(error.message),
    );
    assert.deepEqual(steps(server), ["OPTIONS 204"]);
    assert.deepEqual(server.violations, []);
  });

  test("getServerInfo reads Upload-Limit", async () => {
    await using server = await startDraftServer({
      limits: { maxSize: 1_000_000, maxAppendSize: 1000, minAppendSize: 10 },
    });
    const info = await draftClient(server).getServerInfo();
    assert.equal(info.maxSize, 1_000_000);
    assert.equal(info.limits?.maxAppendSize, 1000);
    assert.equal(info.limits?.minAppendSize, 10);
    assertDraftHeaders(server);
  });
});

describe("protocol: ietf-draft, client methods", () => {
  test("getUploadInfo tells a paused upload from a complete one", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(40_000, 8);
    const client = draftClient(server, { chunkSize: 10_000 });
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 20_000 });
    const paused = await client.getUploadInfo(url);
    assert.deepEqual(
      [paused.offset, paused.length, paused.complete],
      [20_000, 40_000, false],
    );
    await client.resumeUpload({ fileStream: bytes, uploadUrl: url });
    const done = await client.getUploadInfo(url);
    assert.deepEqual([done.offset, done.length, done.complete], [
      40_000,
      40_000,
      true,
    ]);
    assertStored(server, url, bytes);
  });

  test("deleteUpload cancels the upload; a second delete counts as done", async () => {
    await using server = await startDraftServer();
    const client = draftClient(server, { chunkSize: 1000 });
    const url = await client.uploadFile({
      fileStream: randomBytes(5000),
      stopAt: 2000,
    });
    await client.deleteUpload(url);
    assert.equal(server.uploadOf(url)?.gone, true);
    await client.deleteUpload(url);
    assert.deepEqual(steps(server).slice(-2), ["DELETE 204", "DELETE 404"]);
    assert.deepEqual(server.violations, []);
    assertDraftHeaders(server);
  });

  test("with storeUrl a second upload of the same file resumes the stored upload", async () => {
    await using server = await startDraftServer();
    await using file = await tempFile(30_000);
    const options = {
      chunkSize: 10_000,
      storeUrl: true,
      urlStorage: new MemoryUrlStorage(),
    };
    const client = draftClient(server, options);
    const first = await client.uploadFile({
      filePath: file.path,
      stopAt: 10_000,
    });
    const second = await client.uploadFile({ filePath: file.path });
    assert.equal(second, first);
    assert.equal(server.uploads().length, 1);
    assertStored(server, first, file.bytes);
  });

  test("parallelUploads is refused before any request: the draft cannot join uploads", () => {
    assert.throws(
      () =>
        new TusClient("http://127.0.0.1:1/files/", {
          protocol: "ietf-draft",
          parallelUploads: 2,
        }),
      (error) =>
        error instanceof TypeError && /parallelUploads/.test(error.message),
    );
    assert.throws(
      () =>
        new TusClient("http://127.0.0.1:1/files/", {
          protocol: "tus-v2" as "tus-v1",
        }),
      TypeError,
    );
  });
});
