/**
 * Where upload URLs are remembered between runs.
 *
 * @module
 */

/**
 * Remembers upload URLs by fingerprint, so that an interrupted upload can be
 * resumed by another process. Keys are exactly the fingerprint string.
 *
 * @example A storage that logs every call
 * ```ts
 * import { MemoryUrlStorage, type UrlStorage } from "@tusflow/client";
 *
 * const inner = new MemoryUrlStorage();
 * const logging: UrlStorage = {
 *   getUrl: (fp) => inner.getUrl(fp),
 *   setUrl: (fp, url) => {
 *     console.log("remember", fp);
 *     return inner.setUrl(fp, url);
 *   },
 *   removeUrl: (fp) => inner.removeUrl(fp),
 * };
 * await logging.setUrl("size:3--sha256:ab", "https://tus.example/files/1");
 * console.log(await logging.getUrl("size:3--sha256:ab")); // "https://tus.example/files/1"
 * ```
 */
export interface UrlStorage {
  /**
   * Looks up the URL stored for a fingerprint.
   *
   * @param fp The fingerprint.
   * @returns The URL, or `null` when none is stored.
   */
  getUrl(fp: string): Promise<string | null>;
  /**
   * Stores (or replaces) the URL for a fingerprint.
   *
   * @param fp The fingerprint.
   * @param url The upload's URL.
   */
  setUrl(fp: string, url: string): Promise<void>;
  /**
   * Forgets the URL for a fingerprint; nothing happens when none is stored.
   *
   * @param fp The fingerprint.
   */
  removeUrl(fp: string): Promise<void>;
  /**
   * Every stored entry, in the order stored. Optional: storages written
   * before it was added may lack it.
   *
   * @returns The keys (`<fingerprint>::<endpoint>`) with their URLs.
   */
  listUrls?(): Promise<Array<{ key: string; url: string }>>;
}
