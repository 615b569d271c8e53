/**
 * Helpers for the client tests against the draft server: a client speaking
 * the draft, and checks every test ends with.
 *
 * @module
 */
import assert from "node:assert/strict";
import { TusClient, type TusClientOptions } from "../../mod.ts";
import type { DraftServer } from "../../src/testing/mod.ts";
import { sha256 } from "../_helpers.ts";

/** A client of `server` speaking the draft, with 1 ms retries. */
export function draftClient(
  server: { url: string },
  options: TusClientOptions = {},
): TusClient {
  return new TusClient(server.url, {
    protocol: "ietf-draft",
    retryDelay: 1,
    ...options,
  });
}

/**
 * The server kept every rule, holds exactly `bytes` at `url` and counts the
 * upload complete; no request carried `Tus-Resumable`.
 */
export function assertStored(
  server: DraftServer,
  url: string,
  bytes: Uint8Array,
): void {
  assert.deepEqual(server.violations, []);
  assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
  assert.equal(server.uploadOf(url)?.complete, true);
  assertDraftHeaders(server);
}

/** Every request carried the interop version and none `Tus-Resumable`. */
export function assertDraftHeaders(server: DraftServer): void {
  for (const entry of server.requests) {
    assert.equal(entry.headers["tus-resumable"], undefined);
    assert.equal(entry.headers["upload-draft-interop-version"], "9");
  }
}

/** "METHOD status" of each request, e.g. "PATCH 204". */
export function steps(server: DraftServer): string[] {
  return server.requests.map((entry) => `${entry.method} ${entry.status}`);
}

/** Body bytes of each request of `method`. */
export function bodiesOf(server: DraftServer, method: string): number[] {
  return server.requests.filter((entry) => entry.method === method)
    .map((entry) => entry.bodyBytes);
}

/** Resolves once `check` holds, polling every 5 ms, at most 400 times. */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!check()) throw new Error("Cannot wait: the condition never held");
}
