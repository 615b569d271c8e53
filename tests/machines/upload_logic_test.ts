import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  canRetry,
  clampStopAt,
  initialContext,
  isAcceptedOffset,
  MAX_RETRY_DELAY,
  nextChunkLength,
  retryWait,
} from "../../machines/upload_logic.ts";
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
    uploadDataDuringCreation: false,
    creationHeaders: {},
    urlStorage: null,
    fingerprint: null,
  });
  return { ...base, ...overrides };
}

const status = (code: number | null) =>
  new TusCommunicationError("x", { statusCode: code });

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
    assert.equal(clampStopAt(ctx, undefined), 1000);
    const stopping = context({ offset: 300, stopAt: 450 });
    assert.equal(nextChunkLength(stopping), 150);
  });
});
