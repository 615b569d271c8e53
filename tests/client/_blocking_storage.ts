/**
 * A `UrlStorage` whose calls wait until the test releases them, to hold an
 * upload in the state that looks up, stores or forgets a URL.
 *
 * @module
 */
import { MemoryUrlStorage, type UrlStorage } from "../../mod.ts";

/** A storage operation that can be held. */
export type StorageCall = "getUrl" | "setUrl" | "removeUrl";

/**
 * Keeps URLs in memory. Each call named in `held` waits until
 * {@linkcode BlockingUrlStorage.release} (or forever); `entered` resolves
 * once such a call began, so a test knows the upload reached it.
 */
export class BlockingUrlStorage implements UrlStorage {
  readonly inner = new MemoryUrlStorage();
  readonly held: Set<StorageCall>;
  /** Every call, in order, as `"setUrl <key>"`. */
  readonly calls: string[] = [];
  #release!: () => void;
  #released = new Promise<void>((resolve) => this.#release = resolve);
  #enter!: (call: StorageCall) => void;
  /** Resolves with the first held call once it began. */
  readonly entered: Promise<StorageCall> = new Promise((resolve) =>
    this.#enter = resolve
  );

  constructor(held: Iterable<StorageCall>) {
    this.held = new Set(held);
  }

  /** Lets every held call (now and later) go on. */
  release(): void {
    this.held.clear();
    this.#release();
  }

  async getUrl(key: string): Promise<string | null> {
    await this.#gate("getUrl", key);
    return await this.inner.getUrl(key);
  }

  async setUrl(key: string, url: string): Promise<void> {
    await this.#gate("setUrl", key);
    await this.inner.setUrl(key, url);
  }

  async removeUrl(key: string): Promise<void> {
    await this.#gate("removeUrl", key);
    await this.inner.removeUrl(key);
  }

  async #gate(call: StorageCall, key: string): Promise<void> {
    this.calls.push(`${call} ${key}`);
    if (!this.held.has(call)) return;
    this.#enter(call);
    await this.#released;
  }
}
