import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  afterChunk,
  afterServerState,
  clampStopAt,
  initialContext,
  isAcceptedOffset,
  isComplete,
  nextChunkLength,
} from "../../machines/upload_logic.ts";
import {
  canRetry,
  canRetryCreation,
  isRefusal,
  MAX_RETRY_DELAY,
  retryWait,
} from "../../machines/retry_policy.ts";
import type { UploadContext } from "../../machines/upload_types.ts";
import { TusCommunicationError } from "../../src/errors.ts";

function context(overrides: Partial<UploadContext> = {}): UploadContext {
  const base = initialContext({
    transport: {
      fetch: globalThis.fetch,
      headers: () => ({}),
      timeout: 1000,
      requestId: false,
      overridePatchMethod: false,
    },
    source: {
      size: 1000,
      read: () => Promise.resolve(new Uint8Array()),
      close: () => Promise.resolve(),
    },
    endpoint: "http://127.0.0.1/files/",
    url: "http://127.0.0.1/files/a",
    metadata: null,
    chunkSize: 300,
    checksum: null,
    maxRetries: 2,
    retryDelay: 100,
    shouldRetry: null,
    onRetry: null,
    uploadDataDuringCreation: false,
    creationHeaders: {},
    recall: null,
    serverInfo: null,
    onUploadUrlAvailable: null,
    stopAt: Infinity,
  });
  return { ...base, ...overrides };
}

/** An error with `code`; a network error (null) has the fetch error as cause. */
const status = (code: number | null) =>
  new TusCommunicationError("x", {
    statusCode: code,
    ...(code === null ? { cause: new TypeError("fetch failed") } : {}),
  });

const head = (offset: number, length: number | null) => ({
  offset,
  length,
  metadata: {},
  expiresAt: null,
});

describe("upload_logic", () => {
  test("retries network errors, 5xx, 423, 429 and 460, nothing else", () => {
    for (const code of [null, 500, 502, 503, 423, 429, 460]) {
      assert.equal(canRetry(context(), status(code)), true, String(code));
    }
    for (const code of [400, 403, 404, 409, 410, 413, 415]) {
      assert.equal(canRetry(context(), status(code)), false, String(code));
    }
  });
  test("stops retrying when maxRetries are used up", () => {
    assert.equal(canRetry(context({ attempt: 2 }), status(500)), false);
  });
  test("onShouldRetry overrides the class check but not the bound", () => {
    const always = context({ shouldRetry: () => true });
    assert.equal(canRetry(always, status(400)), true);
    assert.equal(canRetry({ ...always, attempt: 2 }, status(400)), false);
    const never = context({ shouldRetry: () => false });
    assert.equal(canRetry(never, status(500)), false);
  });
  test("backoff doubles per attempt, is capped, and Retry-After wins", () => {
    assert.equal(retryWait(100, 0, status(500)), 100);
    assert.equal(retryWait(100, 3, status(500)), 800);
    assert.equal(retryWait(1000, 20, status(500)), MAX_RETRY_DELAY);
    const asked = new TusCommunicationError("x", { retryAfterMs: 2500 });
    assert.equal(retryWait(100, 0, asked), 2500);
  });
  test("accepts a PATCH offset only when it moved forward within what was sent", () => {
    const at100 = context({ offset: 100 });
    assert.equal(
      isAcceptedOffset(at100, {
        serverOffset: 400,
        sent: 300,
        declaredLength: null,
      }),
      true,
    );
    assert.equal(
      isAcceptedOffset(at100, {
        serverOffset: 250,
        sent: 300,
        declaredLength: null,
      }),
      true,
    );
    assert.equal(
      isAcceptedOffset(at100, {
        serverOffset: 100,
        sent: 300,
        declaredLength: null,
      }),
      false,
    );
    assert.equal(
      isAcceptedOffset(at100, {
        serverOffset: 50,
        sent: 300,
        declaredLength: null,
      }),
      false,
    );
    assert.equal(
      isAcceptedOffset(at100, {
        serverOffset: 401,
        sent: 300,
        declaredLength: null,
      }),
      false,
    );
    assert.equal(
      isAcceptedOffset(at100, {
        serverOffset: null,
        sent: 300,
        declaredLength: null,
      }),
      false,
    );
  });
  test("stopAt is clamped to the size and shortens the last chunk", () => {
    const ctx = context();
    assert.equal(clampStopAt(ctx, 5000), 1000);
    assert.equal(clampStopAt(ctx, Infinity), 1000);
    const stopping = context({ offset: 300, stopAt: 450 });
    assert.equal(nextChunkLength(stopping), 150);
  });
  test("an error with neither status nor cause is the client's own finding: never retried", () => {
    const own = new TusCommunicationError("Cannot use upload URL: downgrade");
    assert.equal(canRetry(context(), own), false);
  });
  test("a POST is retried only when it provably never reached the server", () => {
    const refused = new TusCommunicationError("x", {
      cause: Object.assign(new Error("connect ECONNREFUSED"), {
        code: "ECONNREFUSED",
      }),
    });
    const reset = new TusCommunicationError("x", {
      cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    });
    assert.equal(canRetryCreation(context(), refused), true);
    assert.equal(canRetryCreation(context(), reset), false);
    assert.equal(canRetryCreation(context(), status(503)), false);
    assert.equal(canRetryCreation(context({ attempt: 2 }), refused), false);
  });
  test("a refusal is a 4xx that no retry changes", () => {
    for (const code of [400, 403, 404, 410, 413, 415]) {
      assert.equal(isRefusal(status(code)), true, String(code));
    }
    for (const code of [null, 409, 423, 429, 460, 500]) {
      assert.equal(isRefusal(status(code)), false, String(code));
    }
  });
  test("a HEAD that shows progress restarts the retry budget and the conflicts", () => {
    const ctx = context({ offset: 300, attempt: 2, conflicts: 2 });
    const moved = afterServerState(ctx, head(600, 1000));
    assert.deepEqual([moved.offset, moved.attempt, moved.conflicts], [
      600,
      0,
      0,
    ]);
    const still = afterServerState(ctx, head(300, 1000));
    assert.deepEqual([still.attempt, still.conflicts], [2, 2]);
  });
  test("a HEAD's Upload-Length fixes a deferred length; every byte held is complete", () => {
    const streaming = context({ size: null, lengthDeferred: true, offset: 0 });
    const known = {
      ...streaming,
      ...afterServerState(streaming, head(700, 700)),
    };
    assert.deepEqual([known.size, known.lengthDeferred], [700, false]);
    assert.equal(isComplete(known), true);
    const unknown = afterServerState(streaming, head(300, null));
    assert.deepEqual([unknown.size, unknown.lengthDeferred], [null, true]);
  });
  test("a PATCH answer that is not accepted is counted as a conflict, nothing else moves", () => {
    const ctx = context({ offset: 100, conflicts: 1 });
    const answer = { serverOffset: 100, sent: 300, declaredLength: null };
    assert.deepEqual(afterChunk(ctx, answer), {
      offsetDisputed: true,
      conflicts: 2,
    });
    const moved = afterChunk(ctx, { ...answer, serverOffset: 400 });
    assert.deepEqual([moved.offset, moved.attempt, moved.conflicts], [
      400,
      0,
      0,
    ]);
  });
});
