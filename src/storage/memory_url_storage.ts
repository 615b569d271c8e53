/**
 * A {@linkcode UrlStorage} that lives as long as the process.
 *
 * @module
 */
import type { UrlStorage } from "./url_storage.ts";

/**
 * Keeps upload URLs in a `Map`: uploads resume within one process only.
 * Useful in tests and for short-lived scripts.
 *
 * @example Remembering and forgetting a URL
 * ```ts
 * import { MemoryUrlStorage } from "@tusflow/client";
 *
 * const storage = new MemoryUrlStorage();
 * await storage.setUrl("size:3--sha256:ab", "https://tus.example/files/1");
 * console.log(await storage.getUrl("size:3--sha256:ab")); // "https://tus.example/files/1"
 * await storage.removeUrl("size:3--sha256:ab");
 * console.log(await storage.getUrl("size:3--sha256:ab")); // null
 * ```
 */
export class MemoryUrlStorage implements UrlStorage {
  readonly #urls = new Map<string, string>();

  /**
   * Looks up the URL stored for a fingerprint.
   *
   * @param fp The fingerprint.
   * @returns The URL, or `null` when none is stored.
   * @throws Never.
   */
  getUrl(fp: string): Promise<string | null> {
    return Promise.resolve(this.#urls.get(fp) ?? null);
  }

  /**
   * Stores (or replaces) the URL for a fingerprint.
   *
   * @param fp The fingerprint.
   * @param url The upload's URL.
   * @returns A promise that resolves once stored.
   * @throws Never.
   */
  setUrl(fp: string, url: string): Promise<void> {
    this.#urls.set(fp, url);
    return Promise.resolve();
  }

  /**
   * Forgets the URL for a fingerprint.
   *
   * @param fp The fingerprint.
   * @returns A promise that resolves once removed.
   * @throws Never.
   */
  removeUrl(fp: string): Promise<void> {
    this.#urls.delete(fp);
    return Promise.resolve();
  }

  /**
   * Every stored entry, oldest first.
   *
   * @returns The keys with their URLs.
   * @throws Never.
   * @example Listing what is remembered
   * ```ts
   * import { MemoryUrlStorage } from "@tusflow/client";
   *
   * const storage = new MemoryUrlStorage();
   * await storage.setUrl("a", "https://tus.example/files/1");
   * console.log(await storage.listUrls()); // [{ key: "a", url: "https://tus.example/files/1" }]
   * ```
   */
  listUrls(): Promise<Array<{ key: string; url: string }>> {
    return Promise.resolve(
      [...this.#urls].map(([key, url]) => ({ key, url })),
    );
  }
}
