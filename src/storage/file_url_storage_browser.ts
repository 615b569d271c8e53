/**
 * The browser build's `file_url_storage.ts`: browsers have no file system,
 * so creating a `FileUrlStorage` (also the default of `storeUrl: true`
 * without `urlStorage`) is a clear error pointing at `WebStorageUrlStorage`,
 * and none of the lock and atomic-write code is bundled. The npm package's
 * `browser` export condition resolves `file_url_storage.ts` to this file
 * (see `npm-build.ts`).
 *
 * @module
 */
import type * as Real from "./file_url_storage.ts";

export type { FileUrlStorageOptions } from "./file_url_storage.ts";

/** Where a `FileUrlStorage` would keep URLs. */
export const DEFAULT_URL_STORAGE_PATH: typeof Real.DEFAULT_URL_STORAGE_PATH =
  ".tus_urls.json";

class BrowserFileUrlStorage {
  constructor() {
    throw new Error(
      "Cannot create FileUrlStorage: this runtime (a browser?) has no file system; pass urlStorage: new WebStorageUrlStorage() or another UrlStorage",
    );
  }
}

/** Fails on construction: there is no file to keep URLs in. */
export const FileUrlStorage: typeof Real.FileUrlStorage =
  BrowserFileUrlStorage as unknown as typeof Real.FileUrlStorage;
/** The instance type, as in `file_url_storage.ts`. */
export type FileUrlStorage = Real.FileUrlStorage;
