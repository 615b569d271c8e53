/**
 * What the chart scenarios share: a scenario's shape, a URL storage whose
 * chosen call fails, and the checks a user cares about.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MemoryUrlStorage, type UrlStorage } from "../../../mod.ts";
import type { TusServer, TusServerOptions } from "../../../src/testing/mod.ts";
import type { Recorder } from "./_coverage.ts";

/** One real run: a client, a server, the faults it needs. */
export interface Scenario {
  readonly name: string;
  /** The faults and conditions the run needs, as printed in the summary. */
  readonly faults: readonly string[];
  /** Options of the test server. */
  readonly server?: TusServerOptions;
  run(context: RunContext): Promise<void>;
}

/** What a scenario gets to run with. */
export interface RunContext {
  readonly server: TusServer;
  /** Records what the machine took; give `recorder.inspect` to the client. */
  readonly recorder: Recorder;
}

/** A storage call that can be made to fail. */
export type StorageCall = "getUrl" | "setUrl" | "removeUrl";

/**
 * Keeps URLs in memory, except that `failing` calls (on keys that `keys`
 * accepts) reject; logs every key. Both can be changed between runs.
 */
export class FailingUrlStorage implements UrlStorage {
  readonly inner = new MemoryUrlStorage();
  readonly keys: string[] = [];
  constructor(
    public failing: StorageCall | null = null,
    public failsOn: (key: string) => boolean = () => true,
  ) {}

  getUrl(key: string): Promise<string | null> {
    return this.#call("getUrl", key, () => this.inner.getUrl(key));
  }

  setUrl(key: string, url: string): Promise<void> {
    return this.#call("setUrl", key, () => this.inner.setUrl(key, url));
  }

  removeUrl(key: string): Promise<void> {
    return this.#call("removeUrl", key, () => this.inner.removeUrl(key));
  }

  async #call<T>(call: StorageCall, key: string, go: () => Promise<T>) {
    this.keys.push(key);
    if (call === this.failing && this.failsOn(key)) {
      throw new Error(`Cannot ${call}: the storage is broken`);
    }
    return await go();
  }
}

/** The server holds exactly `bytes` at `url`. */
export function assertStored(
  server: TusServer,
  url: string,
  bytes: Uint8Array,
): void {
  const stored = server.bytesOf(url);
  assert.ok(stored, `the server holds no upload at ${url}`);
  assert.equal(stored.length, bytes.length, "bytes stored = bytes sent");
  assert.ok(
    stored.every((byte, i) => byte === bytes[i]),
    "the stored bytes are the bytes sent",
  );
}

/** The rejection of `promise`, checked against `kind`. */
export async function rejection<T>(
  promise: Promise<unknown>,
  kind: abstract new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      error instanceof kind,
      `expected ${kind.name}, got ${String(error)}`,
    );
    return error;
  }
  throw new Error(`Cannot check the failure: the promise resolved`);
}

/** Waits (at most `ms`) until the recorder has seen state `id`. */
export async function reached(
  recorder: Recorder,
  id: string,
  ms = 5000,
): Promise<void> {
  for (let waited = 0; waited < ms; waited += 10) {
    if (recorder.states.has(id)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Cannot wait for ${id}: never reached within ${ms} ms`);
}
