import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusCommunicationError, TusUploadFailed } from "../../mod.ts";
import { ietfDraftAdapter } from "../../src/ietf/adapter.ts";
import { resolveSettings } from "../../src/settings.ts";
import { startDraftServer } from "../../src/testing/mod.ts";
import { randomBytes, tempFile } from "../_helpers.ts";
import {
  assertDraftHeaders,
  assertStored,
  draftClient,
  steps,
} from "./_ietf_helpers.ts";

const ownFetch = (input: RequestInfo | URL, init?: RequestInit) =>
  fetch(input, init);

describe("protocol: ietf-draft, interruptions", () => {
  test("a cut append fails without retries; resumeUpload with error.uploadUrl completes it", async () => {
    await using server = await startDraftServer();
    await using file = await tempFile(150_000);
    const client = draftClient(server, { chunkSize: 40_000, maxRetries: 0 });
    server.faults.cutNextPatch({ afterBytes: 10_000 });
    const failure = await client.uploadFile({ filePath: file.path }).then(
      () => assert.fail("the cut append should fail the upload"),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof TusUploadFailed);
    const url = failure.uploadUrl;
    assert.ok(url !== null && url.startsWith(server.url));
    assert.equal(server.uploadOf(url)?.offset, 50_000);
    await client.resumeUpload({ filePath: file.path, uploadUrl: url });
    assertStored(server, url, file.bytes);
    const afterCut = steps(server).slice(steps(server).indexOf("PATCH 0"));
    assert.equal(afterCut[1], "HEAD 204");
  });

  test("a cut append is retried from the server's offset (HEAD first)", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(120_000, 2);
    const client = draftClient(server, { chunkSize: 40_000 });
    server.faults.cutNextPatch({ afterBytes: 5000 });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(steps(server).slice(2, 5), [
      "PATCH 0",
      "HEAD 204",
      "PATCH 204",
    ]);
  });

  test("a creation cut after its 104 continues at the 104's Location", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(100_000, 3);
    const client = draftClient(server, { chunkSize: 60_000, maxRetries: 0 });
    server.faults.cutNext({ method: "POST", afterBytes: 20_000 });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(steps(server), [
      "OPTIONS 204",
      "POST 0",
      "HEAD 204",
      "PATCH 204",
      "PATCH 200",
    ]);
    assert.equal(server.requests[1]?.interim[0]?.headers.location, url);
  });

  test("an abort stops the upload; it resumes from what the server holds", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(200_000, 4);
    const client = draftClient(server, { chunkSize: 20_000 });
    const controller = new AbortController();
    const failure = await client.uploadFile({
      fileStream: bytes,
      signal: controller.signal,
      onProgress: (stats) => {
        if (stats.uploadedBytes >= 40_000) controller.abort();
      },
    }).then(() => assert.fail("the abort should fail the upload"), (e) => e);
    assert.ok(failure instanceof TusUploadFailed);
    assert.match(failure.message, /aborted/);
    const url = failure.uploadUrl as string;
    assert.ok((server.uploadOf(url)?.offset ?? 0) >= 40_000);
    assert.equal(server.uploadOf(url)?.complete, false);
    await client.resumeUpload({ fileStream: bytes, uploadUrl: url });
    assertStored(server, url, bytes);
  });
});

describe("protocol: ietf-draft, failed answers", () => {
  test("a 409 is settled with HEAD and the upload continues from the server's offset", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(90_000, 5);
    const client = draftClient(server, { chunkSize: 30_000 });
    server.faults.conflictNext();
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(steps(server).slice(2, 5), [
      "PATCH 409",
      "HEAD 204",
      "PATCH 204",
    ]);
  });

  test("a 413 to an append fails the upload with statusCode 413", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(50_000, 6);
    const client = draftClient(server, { chunkSize: 20_000 });
    server.faults.failNext({ status: 413, method: "PATCH" });
    await assert.rejects(
      client.uploadFile({ fileStream: bytes }),
      (error) =>
        error instanceof TusUploadFailed && error.statusCode === 413 &&
        /413/.test(error.message) && error.uploadUrl !== null,
    );
    assert.deepEqual(server.violations, []);
  });

  test("a 413 to a creation (max-size, unknown to the client) is a TusCommunicationError", async () => {
    await using server = await startDraftServer({ limits: { maxSize: 1000 } });
    const client = draftClient(server, { checksum: false, fetch: ownFetch });
    await assert.rejects(
      client.uploadFile({ fileStream: randomBytes(5000) }),
      (error) =>
        error instanceof TusCommunicationError &&
        !(error instanceof TusUploadFailed) && error.statusCode === 413,
    );
    assert.deepEqual(steps(server), ["POST 413"]);
    assert.deepEqual(server.violations, []);
  });

  test("a 429 with Retry-After is waited out, then the upload resumes", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(60_000, 7);
    const delays: number[] = [];
    const client = draftClient(server, {
      chunkSize: 20_000,
      retryDelay: 5000,
      onRetry: (event) => delays.push(event.delayMs),
    });
    server.faults.failNext({ status: 429, retryAfter: "0", method: "PATCH" });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(delays, [0]);
    assert.deepEqual(steps(server).slice(2, 5), [
      "PATCH 429",
      "HEAD 204",
      "PATCH 204",
    ]);
  });

  test("a 503 to an append is retried", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(60_000, 8);
    const client = draftClient(server, { chunkSize: 20_000 });
    server.faults.failNext({ status: 503, method: "PATCH", count: 2 });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
  });

  test("a vanished upload: 404 on resume is a TusCommunicationError", async () => {
    await using server = await startDraftServer();
    const bytes = randomBytes(30_000, 9);
    const client = draftClient(server, { chunkSize: 10_000 });
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 10_000 });
    server.faults.forget(url, 410);
    await assert.rejects(
      client.resumeUpload({ fileStream: bytes, uploadUrl: url }),
      (error) =>
        error instanceof TusCommunicationError && error.statusCode === 410,
    );
    await assert.rejects(
      client.getUploadInfo(url),
      (error) =>
        error instanceof TusCommunicationError && error.statusCode === 410,
    );
    assert.deepEqual(server.violations, []);
    assertDraftHeaders(server);
  });

  test("resuming a complete upload sends nothing after its HEAD", async () => {
    await using server = await startDraftServer();
    const client = draftClient(server, { chunkSize: 10_000 });
    const bytes = randomBytes(20_000, 10);
    const url = await client.uploadFile({ fileStream: bytes });
    await client.resumeUpload({ fileStream: bytes, uploadUrl: url });
    assert.deepEqual(steps(server).slice(-1), ["HEAD 204"]);
    assertStored(server, url, bytes);
  });

  test("every byte stored but the completing append cut: an empty append completes it", async () => {
    await using server = await startDraftServer();
    const client = draftClient(server, { chunkSize: 10_000 });
    const bytes = randomBytes(20_000, 11);
    server.faults.cutNextPatch({ afterBytes: 10_000 });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    assert.deepEqual(steps(server).slice(-3), [
      "PATCH 0",
      "HEAD 204",
      "PATCH 200",
    ]);
    assert.equal(server.requests.at(-1)?.bodyBytes, 0);
  });

  test("problem details of a refused append name the failure in the error message", async () => {
    await using server = await startDraftServer();
    const adapter = ietfDraftAdapter({ interim: null });
    const transport = resolveSettings({}).transport;
    const { url } = await adapter.createUpload(transport, {
      endpoint: server.url,
      length: 10,
      metadata: null,
    });
    await assert.rejects(
      adapter.sendChunk(transport, {
        url,
        offset: 5,
        bytes: new Uint8Array(5),
        length: 5,
        checksum: null,
        complete: true,
      }),
      // By name: on Node the adapter is bundled apart from the package.
      (error: TusCommunicationError) =>
        error.name === "TusCommunicationError" && error.statusCode === 409 &&
        error.message.includes(
          "server answered 409: the offset does not match the server's (server 0, request 5)",
        ),
    );
    // The wrong offset was sent on purpose.
    assert.deepEqual(server.violations.map((v) => v.rule), ["offset-mismatch"]);
  });
});
