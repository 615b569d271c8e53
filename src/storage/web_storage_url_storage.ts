/**
 * A {@linkcode UrlStorage} over the Web Storage API (`localStorage`).
 *
 * @module
 */
import type { UrlStorage } from "./url_storage.ts";

/** Prefix of every key this storage writes, so that it shares `localStorage` politely. */
export const DEFAULT_WEB_STORAGE_PREFIX = "tusflow::";

/** Options of {@linkcode WebStorageUrlStorage}. */
export interface WebStorageUrlStorageOptions {
  /**
   * Put before each fingerprint to make the key.
   *
   * @default {"tusflow::"}
   */
  prefix?: string;
}

/**
 * What {@linkcode WebStorageUrlStorage} needs of a Web `Storage`
 * (`localStorage`, `sessionStorage`, or any object of the same shape),
 * described here so that the types need no DOM lib.
 */
export interface WebStorageLike {
  /** The value stored under `key`, or `null`. */
  getItem(key: string): string | null;
  /** Stores `value` under `key`; may throw (quota exceeded, …). */
  setItem(key: string, value: string): void;
  /** Removes `key`. */
  removeItem(key: string): void;
  /** The `index`-th key, or `null`: only `listUrls()` needs it. */
  key?(index: number): string | null;
  /** The number of keys: only `listUrls()` needs it. */
  readonly length?: number;
}

/**
 * Keeps upload URLs in a Web `Storage`: `localStorage` by default (browsers,
 * and Deno, whose `localStorage` persists per main module or `--location`).
 * Each URL is stored under `tusflow::<fingerprint>`.
 *
 * @example Keeping URLs in localStorage
 * ```ts
 * import { WebStorageUrlStorage } from "@tusflow/client";
 *
 * if (globalThis.localStorage) {
 *   const storage = new WebStorageUrlStorage(); // localStorage
 *   await storage.setUrl("size:3--sha256:ab", "https://tus.example/files/1");
 *   console.log(localStorage.getItem("tusflow::size:3--sha256:ab")); // "https://tus.example/files/1"
 *   await storage.removeUrl("size:3--sha256:ab");
 * }
 * ```
 */
export class WebStorageUrlStorage implements UrlStorage {
  readonly #storage: WebStorageLike;
  readonly #prefix: string;

  /**
   * Wraps a Web `Storage`.
   *
   * @param storage Where to keep the URLs; `globalThis.localStorage` when omitted.
   * @param options The key prefix.
   * @throws {TypeError} when no storage is given and the runtime has no
   *   `localStorage` (Bun, Node, a sandboxed frame), or when `storage` is not
   *   a Web `Storage`.
   */
  constructor(
    storage?: WebStorageLike,
    options: WebStorageUrlStorageOptions = {},
  ) {
    const chosen = storage ?? defaultStorage();
    if (!isStorage(chosen)) {
      throw new TypeError(
        storage === undefined
          ? "Cannot create WebStorageUrlStorage: this runtime has no localStorage; pass a Storage or use FileUrlStorage or MemoryUrlStorage"
          : "Cannot create WebStorageUrlStorage: storage must have getItem, setItem and removeItem",
      );
    }
    this.#storage = chosen;
    this.#prefix = options.prefix ?? DEFAULT_WEB_STORAGE_PREFIX;
  }

  /**
   * Looks up the URL stored for a fingerprint.
   *
   * @param fp The fingerprint.
   * @returns The URL, or `null` when none is stored.
   * @throws {Error} when the storage cannot be read.
   */
  getUrl(fp: string): Promise<string | null> {
    return attempt("read URL", () => this.#storage.getItem(this.#prefix + fp));
  }

  /**
   * Stores (or replaces) the URL for a fingerprint.
   *
   * @param fp The fingerprint.
   * @param url The upload's URL.
   * @returns A promise that resolves once stored.
   * @throws {Error} when the storage refuses the write (quota exceeded, …).
   */
  setUrl(fp: string, url: string): Promise<void> {
    return attempt("store URL", () => {
      this.#storage.setItem(this.#prefix + fp, url);
    });
  }

  /**
   * Forgets the URL for a fingerprint.
   *
   * @param fp The fingerprint.
   * @returns A promise that resolves once removed.
   * @throws {Error} when the storage cannot be written.
   */
  removeUrl(fp: string): Promise<void> {
    return attempt("remove URL", () => {
      this.#storage.removeItem(this.#prefix + fp);
    });
  }

  /**
   * Every entry under this storage's prefix, in the storage's key order
   * (Web Storage keeps no insertion order); other keys are left out.
   *
   * @returns The keys, without the prefix, with their URLs.
   * @throws {Error} when the storage cannot be read, or has no `key()` and
   *   `length` to enumerate with.
   * @example Listing what is remembered
   * ```ts
   * import { WebStorageUrlStorage } from "@tusflow/client";
   *
   * if (globalThis.localStorage) {
   *   const storage = new WebStorageUrlStorage(localStorage, { prefix: "doc::" });
   *   await storage.setUrl("a", "https://tus.example/files/1");
   *   console.log(await storage.listUrls()); // [{ key: "a", url: "https://tus.example/files/1" }]
   *   await storage.removeUrl("a");
   * }
   * ```
   */
  listUrls(): Promise<Array<{ key: string; url: string }>> {
    return attempt("list URLs", () => {
      const storage = this.#storage;
      if (typeof storage.key !== "function") {
        throw new TypeError("the storage has no key() to enumerate with");
      }
      const keys: string[] = [];
      for (let i = 0; i < (storage.length ?? 0); i++) {
        const key = storage.key(i);
        if (key !== null && key.startsWith(this.#prefix)) keys.push(key);
      }
      const entries: Array<{ key: string; url: string }> = [];
      for (const key of keys) {
        const url = storage.getItem(key);
        if (url !== null) {
          entries.push({ key: key.slice(this.#prefix.length), url });
        }
      }
      return entries;
    });
  }
}

function defaultStorage(): unknown {
  try {
    return (globalThis as { localStorage?: unknown }).localStorage;
  } catch {
    // Browsers throw a SecurityError when storage is disabled for the page.
    return undefined;
  }
}

function isStorage(value: unknown): value is WebStorageLike {
  const candidate = value as Partial<WebStorageLike> | null | undefined;
  return typeof candidate?.getItem === "function" &&
    typeof candidate.setItem === "function" &&
    typeof candidate.removeItem === "function";
}

function attempt<T>(action: string, run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    const reason = error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
    return Promise.reject(
      new Error(`Cannot ${action} in web storage: ${reason}`, {
        cause: error,
      }),
    );
  }
}
