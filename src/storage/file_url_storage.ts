/**
 * A {@linkcode UrlStorage} in a JSON file, safe when several processes write
 * to it at once.
 *
 * @module
 */
import type * as Fs from "node:fs/promises";
import type * as Path from "node:path";
import { builtin } from "../runtime/builtin.ts";

const fs = () => builtin<typeof Fs>("node:fs/promises");
const path = () => builtin<typeof Path>("node:path");
import { writeFileAtomic } from "../runtime/atomic_write.ts";
import {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  withFileLock,
} from "../runtime/file_lock.ts";
import type { UrlStorage } from "./url_storage.ts";

/** Where {@linkcode FileUrlStorage} keeps URLs by default, relative to the working directory. */
export const DEFAULT_URL_STORAGE_PATH = ".tus_urls.json";

/** Options of {@linkcode FileUrlStorage}. */
export interface FileUrlStorageOptions {
  /**
   * How long a write waits for another process's lock before failing, in ms.
   *
   * @default {15_000}
   */
  lockTimeoutMs?: number;
  /**
   * Age after which a lock is broken even if its process still seems alive,
   * in ms. A lock whose process is dead (same host) is broken at once.
   *
   * @default {10_000}
   */
  staleLockMs?: number;
}

/**
 * Keeps upload URLs in a JSON object file (`{ "<fingerprint>": "<url>" }`),
 * so that another process can resume an upload.
 *
 * Each write reads, modifies and rewrites the file under a lock file
 * (`<path>.lock`), and replaces it atomically (temporary file + rename):
 * concurrent writers lose no entry and readers never see half a file. A lock
 * left by a killed process is broken as soon as its pid is found dead, or
 * once it is older than `staleLockMs`.
 *
 * @example Remembering a URL across runs
 * ```ts
 * import { FileUrlStorage } from "@tusflow/client";
 *
 * const dir = await Deno.makeTempDir();
 * const storage = new FileUrlStorage(`${dir}/urls.json`);
 * await storage.setUrl("size:3--sha256:ab", "https://tus.example/files/1");
 * const later = new FileUrlStorage(`${dir}/urls.json`);
 * console.log(await later.getUrl("size:3--sha256:ab")); // "https://tus.example/files/1"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FileUrlStorage implements UrlStorage {
  /** The JSON file, as given. */
  readonly path: string;
  readonly #absolutePath: string;
  readonly #lockOptions: { timeoutMs: number; staleMs: number };

  /**
   * Opens (lazily: nothing is read yet) the storage at `path`.
   *
   * @param path The JSON file; created on the first write, with its directory.
   * @param options Lock timeout and staleness.
   * @throws {TypeError} when `path` is not a non-empty string.
   * @throws {RangeError} when a duration is not a number, is negative, or
   *   (`staleLockMs`) is 0, which would make every lock stale.
   */
  constructor(
    path: string = DEFAULT_URL_STORAGE_PATH,
    options: FileUrlStorageOptions = {},
  ) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(
        "Cannot create FileUrlStorage: path must be a non-empty string",
      );
    }
    this.path = path;
    this.#absolutePath = absolute(path);
    this.#lockOptions = {
      timeoutMs: duration(
        "lockTimeoutMs",
        options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      ),
      staleMs: duration(
        "staleLockMs",
        options.staleLockMs ?? DEFAULT_LOCK_STALE_MS,
        1,
      ),
    };
  }

  /**
   * Looks up the URL stored for a fingerprint. Reads take no lock: the file
   * is only ever replaced whole.
   *
   * @param fp The fingerprint.
   * @returns The URL, or `null` when none is stored or the file is missing.
   * @throws {Error} naming the path when the file cannot be read or is not a
   *   JSON object of strings.
   */
  async getUrl(fp: string): Promise<string | null> {
    checkFingerprint(fp, "read URL");
    return (await this.#read()).get(fp) ?? null;
  }

  /**
   * Stores (or replaces) the URL for a fingerprint, under the lock.
   *
   * @param fp The fingerprint.
   * @param url The upload's URL.
   * @returns A promise that resolves once the file is replaced.
   * @throws {Error} naming the path when the file is corrupt (it is left as
   *   is), cannot be written, or stays locked for `lockTimeoutMs`.
   */
  async setUrl(fp: string, url: string): Promise<void> {
    checkFingerprint(fp, "store URL");
    if (typeof url !== "string") {
      throw new TypeError(
        `Cannot store URL in ${this.path}: url must be a string`,
      );
    }
    await this.#update((urls) => {
      if (urls.get(fp) === url) return false;
      urls.set(fp, url);
      return true;
    });
  }

  /**
   * Forgets the URL for a fingerprint, under the lock.
   *
   * @param fp The fingerprint.
   * @returns A promise that resolves once the file is replaced.
   * @throws {Error} naming the path when the file is corrupt (it is left as
   *   is), cannot be written, or stays locked for `lockTimeoutMs`.
   */
  async removeUrl(fp: string): Promise<void> {
    checkFingerprint(fp, "remove URL");
    if (!(await this.#read()).has(fp)) return;
    await this.#update((urls) => urls.delete(fp));
  }

  /**
   * Every stored entry, in the file's order. Takes no lock, as
   * {@linkcode FileUrlStorage.getUrl}.
   *
   * @returns The keys with their URLs; none when the file is missing.
   * @throws {Error} naming the path when the file cannot be read or is not a
   *   JSON object of strings.
   * @example Listing what is remembered
   * ```ts
   * import { FileUrlStorage } from "@tusflow/client";
   *
   * const dir = await Deno.makeTempDir();
   * const storage = new FileUrlStorage(`${dir}/urls.json`);
   * await storage.setUrl("a", "https://tus.example/files/1");
   * console.log(await storage.listUrls()); // [{ key: "a", url: "https://tus.example/files/1" }]
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async listUrls(): Promise<Array<{ key: string; url: string }>> {
    return [...(await this.#read())].map(([key, url]) => ({ key, url }));
  }

  async #update(change: (urls: Map<string, string>) => boolean): Promise<void> {
    try {
      await fs().mkdir(path().dirname(this.#absolutePath), { recursive: true });
    } catch (error) {
      throw new Error(
        `Cannot write ${this.path}: cannot create its directory (${
          error instanceof Error ? error.message : String(error)
        })`,
        { cause: error },
      );
    }
    await withFileLock(`${this.#absolutePath}.lock`, async () => {
      const urls = await this.#read();
      if (!change(urls)) return;
      const text = JSON.stringify(Object.fromEntries(urls), null, 2) + "\n";
      await writeFileAtomic(this.#absolutePath, text);
    }, this.#lockOptions);
  }

  async #read(): Promise<Map<string, string>> {
    let text: string;
    try {
      text = await fs().readFile(this.#absolutePath, "utf8");
    } catch (error) {
      if ((error as { code?: string })?.code === "ENOENT") return new Map();
      throw new Error(
        `Cannot read URL storage ${this.path}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    if (text.trim() === "") return new Map();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(
        `Cannot read URL storage ${this.path}: it is not valid JSON; fix or remove the file`,
        { cause: error },
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error(
        `Cannot read URL storage ${this.path}: expected a JSON object of fingerprints to URLs`,
      );
    }
    const urls = new Map<string, string>();
    for (const [fp, url] of Object.entries(value)) {
      if (typeof url !== "string") {
        throw new Error(
          `Cannot read URL storage ${this.path}: the value for ${
            JSON.stringify(fp)
          } is not a string`,
        );
      }
      urls.set(fp, url);
    }
    return urls;
  }
}

function absolute(file: string): string {
  try {
    return path().resolve(file);
  } catch {
    // Deno without read permission cannot see the working directory (and a
    // browser has no paths at all); the file operations will report that.
    return file;
  }
}

function duration(name: string, value: number, min = 0): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min) {
    throw new RangeError(
      `Cannot create FileUrlStorage: ${name} must be a number of ms >= ${min}, got ${value}`,
    );
  }
  return value;
}

function checkFingerprint(fp: unknown, action: string): void {
  if (typeof fp !== "string") {
    throw new TypeError(`Cannot ${action}: the fingerprint must be a string`);
  }
}
