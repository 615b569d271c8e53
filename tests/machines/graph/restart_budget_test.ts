/**
 * `failed --upload.run--> starting` and `failed --upload.chunk--> starting`
 * begin a new command: it should get the whole retry and conflict budget,
 * as a new uploader would. Each test spends a budget, fails, then asks
 * again with one fault that the budget covers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  TusClient,
  TusCommunicationError,
  TusUploadFailed,
} from "../../../mod.ts";
import { startTusServer } from "../../../src/testing/mod.ts";
import { randomBytes } from "../../_helpers.ts";
import { assertStored, reached, rejection } from "./_kit.ts";
import { Recorder } from "./_coverage.ts";

const bytes = randomBytes(40 * 1024, 5);
const options = { chunkSize: 16 * 1024, checksum: false, retryDelay: 1 };

describe("a command after a failure starts with a fresh budget", () => {
  test("conflicts: one 409 after 3 conflicts in a row ended the last run", async () => {
    await using server = await startTusServer();
    server.faults.conflictNext({ count: 3 });
    const client = new TusClient(server.url, options);
    await using uploader = await client.createUploader({ fileStream: bytes });
    const error = await rejection(uploader.upload(), TusUploadFailed);
    assert.match(error.message, /3 offset conflicts in a row/);
    server.faults.conflictNext();
    const url = await uploader.upload();
    assertStored(server, url, bytes);
  });

  test("retries: one 500 after a HEAD used every retry in the last run", async () => {
    await using server = await startTusServer();
    server.faults.conflictNext();
    server.faults.failNext({ status: 500, method: "HEAD", count: 3 });
    const client = new TusClient(server.url, { ...options, maxRetries: 2 });
    await using uploader = await client.createUploader({ fileStream: bytes });
    // A HEAD that fails is a TusCommunicationError, as the contract says.
    const error = await rejection(uploader.upload(), TusCommunicationError);
    assert.equal(error.statusCode, 500);
    server.faults.failNext({ status: 500, method: "PATCH" });
    const url = await uploader.upload();
    assertStored(server, url, bytes);
  });

  test("retries: one 500 after the last run was aborted in its retry wait", async () => {
    await using server = await startTusServer();
    // Retry-After holds the first run in `retrying` until the abort.
    server.faults.failNext({ status: 503, method: "PATCH", retryAfter: "30" });
    const recorder = new Recorder();
    const client = new TusClient(server.url, {
      ...options,
      maxRetries: 1,
      inspect: recorder.inspect,
    });
    await using uploader = await client.createUploader({ fileStream: bytes });
    const controller = new AbortController();
    const run = uploader.upload({ signal: controller.signal });
    run.catch(() => {});
    await reached(recorder, "upload.retrying");
    controller.abort();
    await rejection(run, TusUploadFailed);
    server.faults.failNext({ status: 500, method: "PATCH" });
    const url = await uploader.upload();
    assertStored(server, url, bytes);
  });
});
