import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Actor, createActor, waitFor } from "xstate";
import { uploadMachineDefinition as uploadMachine } from "../../machines/upload.ts";
import type { UploadMachineInput } from "../../machines/upload_types.ts";
import { TusUploadFailed } from "../../src/errors.ts";
import { openChunkSource } from "../../src/input/open_chunk_source.ts";
import { resolveSettings } from "../../src/settings.ts";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { randomBytes, sequence } from "../_helpers.ts";
import { stateName } from "../client/_client_helpers.ts";

// The machine driven directly, as `src/uploader.ts` drives it, against the
// real test server: 25 bytes in chunks of 10 make three PATCH requests.

const bytes = randomBytes(25, 11);

type UploadActor = Actor<typeof uploadMachine>;

/** The machine's input for `bytes`, built the way `Uploader` builds it. */
async function inputFor(
  server: TusServer,
  overrides: Partial<UploadMachineInput> = {},
): Promise<UploadMachineInput> {
  return {
    transport: resolveSettings({ timeout: 5_000 }).transport,
    source: await openChunkSource({ fileStream: bytes }),
    endpoint: server.url,
    url: null,
    metadata: null,
    chunkSize: 10,
    checksum: "sha1",
    maxRetries: 3,
    retryDelay: 1,
    shouldRetry: null,
    onRetry: null,
    uploadDataDuringCreation: false,
    creationHeaders: {},
    recall: null,
    serverInfo: null,
    onUploadUrlAvailable: null,
    stopAt: 0,
    ...overrides,
  };
}

/** Starts an actor with `retryBackoff` as given and records its states. */
function startRecorded(
  input: UploadMachineInput,
  retryBackoff = 0,
): { actor: UploadActor; states: string[] } & Disposable {
  const actor = createActor(
    uploadMachine.provide({ delays: { retryBackoff } }),
    { input },
  );
  const states: string[] = [];
  actor.subscribe((snapshot) => {
    states.push(stateName(snapshot.value));
  });
  actor.start();
  return { actor, states, [Symbol.dispose]: () => actor.stop() };
}

/** Waits until the machine rests in `state`. */
function settledIn(actor: UploadActor, state: string) {
  return waitFor(actor, (s) => stateName(s.value) === state, {
    timeout: 5_000,
  });
}

describe("uploadMachine", () => {
  test("uploadMachine creates, rests in ready, then runs three chunks to done", async () => {
    await using server = await startTusServer();
    using run = startRecorded(await inputFor(server));
    await settledIn(run.actor, "ready");
    run.actor.send({ type: "upload.run", stopAt: Infinity });
    const done = await settledIn(run.actor, "done");
    assert.deepEqual(run.states, [
      "creating",
      "ready",
      "uploading",
      "uploading",
      "uploading",
      "done",
    ]);
    assert.equal(done.status, "done");
    const url = server.uploads()[0]?.url;
    assert.equal(done.output?.url, url);
    assert.equal(done.output?.stats.chunksCompleted, 3);
    assert.deepEqual(server.bytesOf(url ?? ""), bytes);
    assert.equal(done.context.stats.chunksCompleted, 3);
    assert.deepEqual(sequence(server.requests), [
      "POST 201",
      "PATCH 204",
      "PATCH 204",
      "PATCH 204",
    ]);
  });

  test("uploadMachine with a url opens with HEAD; upload.chunk sends one chunk and rests", async () => {
    await using server = await startTusServer();
    using first = startRecorded(await inputFor(server));
    await settledIn(first.actor, "ready");
    first.actor.send({ type: "upload.chunk" });
    await waitFor(first.actor, (s) => s.context.offset === 10);
    const url = first.actor.getSnapshot().context.url;
    first.actor.stop();
    using resumed = startRecorded(await inputFor(server, { url }));
    await settledIn(resumed.actor, "ready");
    assert.equal(resumed.actor.getSnapshot().context.offset, 10);
    resumed.actor.send({ type: "upload.chunk" });
    await waitFor(resumed.actor, (s) => s.context.offset === 20);
    await settledIn(resumed.actor, "ready");
    resumed.actor.send({ type: "upload.chunk" });
    await settledIn(resumed.actor, "done");
    assert.deepEqual(resumed.states, [
      "opening",
      "ready",
      "uploading",
      "ready",
      "uploading",
      "done",
    ]);
    assert.deepEqual(sequence(server.requests).slice(2), [
      "HEAD 200",
      "PATCH 204",
      "PATCH 204",
    ]);
  });

  test("uploadMachine retries a failed chunk: uploading → retrying → conflict.head → uploading", async () => {
    await using server = await startTusServer();
    using run = startRecorded(await inputFor(server));
    await settledIn(run.actor, "ready");
    server.faults.failNext({ status: 503, method: "PATCH" });
    run.actor.send({ type: "upload.run", stopAt: Infinity });
    const done = await settledIn(run.actor, "done");
    assert.deepEqual(run.states, [
      "creating",
      "ready",
      "uploading",
      "retrying",
      "conflict.head",
      "uploading",
      "uploading",
      "uploading",
      "done",
    ]);
    assert.equal(done.context.stats.chunksRetried, 1);
    assert.equal(done.context.attempt, 0);
    assert.deepEqual(server.bytesOf(done.output?.url ?? ""), bytes);
  });

  test("uploadMachine answers a 409 with conflict.head, then sends from the server's offset", async () => {
    await using server = await startTusServer();
    using run = startRecorded(await inputFor(server));
    await settledIn(run.actor, "ready");
    run.actor.send({ type: "upload.chunk" });
    await waitFor(run.actor, (s) => s.context.offset === 10);
    server.faults.conflictNext();
    run.actor.send({ type: "upload.run", stopAt: Infinity });
    const done = await settledIn(run.actor, "done");
    assert.deepEqual(run.states, [
      "creating",
      "ready",
      "uploading",
      "ready",
      "uploading",
      "conflict.head",
      "uploading",
      "uploading",
      "done",
    ]);
    assert.deepEqual(sequence(server.requests).slice(2), [
      "PATCH 409",
      "HEAD 200",
      "PATCH 204",
      "PATCH 204",
    ]);
    assert.equal(done.context.conflicts, 0);
    assert.deepEqual(server.bytesOf(done.output?.url ?? ""), bytes);
  });

  test("uploadMachine fails with TusUploadFailed when aborted while retrying", async () => {
    await using server = await startTusServer();
    using run = startRecorded(await inputFor(server), 60_000);
    await settledIn(run.actor, "ready");
    server.faults.failNext({ status: 500, method: "PATCH" });
    run.actor.send({ type: "upload.run", stopAt: Infinity });
    await settledIn(run.actor, "retrying");
    const reason = new Error("user pressed stop");
    run.actor.send({ type: "upload.abort", reason });
    const failed = run.actor.getSnapshot();
    assert.equal(stateName(failed.value), "failed");
    assert.equal(failed.status, "active");
    assert.ok(failed.context.error instanceof TusUploadFailed);
    assert.equal(failed.context.error.cause, reason);
    assert.deepEqual(run.states, [
      "creating",
      "ready",
      "uploading",
      "retrying",
      "failed",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(sequence(server.requests), ["POST 201", "PATCH 500"]);
  });

  test("uploadMachine resumes after failed on upload.run: opening → uploading → done", async () => {
    await using server = await startTusServer();
    using run = startRecorded(await inputFor(server, { maxRetries: 0 }));
    await settledIn(run.actor, "ready");
    run.actor.send({ type: "upload.chunk" });
    await waitFor(run.actor, (s) => s.context.offset === 10);
    server.faults.failNext({ status: 500, method: "PATCH" });
    run.actor.send({ type: "upload.run", stopAt: Infinity });
    const failed = await settledIn(run.actor, "failed");
    assert.ok(failed.context.error instanceof TusUploadFailed);
    assert.equal(failed.context.error.statusCode, 500);
    assert.equal(failed.context.stats.chunksFailed, 1);
    run.actor.send({ type: "upload.run", stopAt: Infinity });
    const done = await settledIn(run.actor, "done");
    assert.deepEqual(run.states, [
      "creating",
      "ready",
      "uploading",
      "ready",
      "uploading",
      "failed",
      "opening",
      "uploading",
      "uploading",
      "done",
    ]);
    assert.equal(done.context.error, null);
    assert.deepEqual(sequence(server.requests), [
      "POST 201",
      "PATCH 204",
      "PATCH 500",
      "HEAD 200",
      "PATCH 204",
      "PATCH 204",
    ]);
    assert.deepEqual(server.bytesOf(done.output?.url ?? ""), bytes);
  });
});
