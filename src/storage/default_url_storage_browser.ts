/**
 * The browser build's `default_url_storage.ts`: browsers have no files, so
 * `storeUrl: true` without `urlStorage` keeps URLs in `localStorage`, as
 * tus-js-client does.
 *
 * @module
 */
import type * as Default from "./default_url_storage.ts";
import { WebStorageUrlStorage } from "./web_storage_url_storage.ts";

/**
 * Creates the default storage of a browser.
 *
 * @throws {Error} when the page has no `localStorage` (a sandboxed frame).
 */
export const defaultUrlStorage: typeof Default.defaultUrlStorage = () =>
  new WebStorageUrlStorage();
