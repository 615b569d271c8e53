/**
 * The `UrlStorage` that `storeUrl: true` uses when no `urlStorage` is
 * given: a {@linkcode FileUrlStorage} at `.tus_urls.json`. The npm
 * package's browser build resolves this module to
 * `default_url_storage_browser.ts` (`localStorage`).
 *
 * @module
 */
import { FileUrlStorage } from "./file_url_storage.ts";
import type { UrlStorage } from "./url_storage.ts";

/**
 * Creates the default storage.
 *
 * @returns A `FileUrlStorage` at `.tus_urls.json` in the working directory.
 * @throws {Error} where the runtime has no Node built-ins.
 */
export function defaultUrlStorage(): UrlStorage {
  return new FileUrlStorage();
}
