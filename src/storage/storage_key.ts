/**
 * Keys under which URL storages remember uploads: the content's
 * fingerprint and the endpoint, so that the same file sent to two servers
 * is two uploads.
 *
 * @module
 */

/**
 * The storage key of content with `fingerprint` uploaded to `endpoint`:
 * `<fingerprint>::<endpoint as new URL(endpoint).href>`.
 *
 * @example The key of a file for one server
 * ```ts
 * import { storageKey } from "@tusflow/client";
 *
 * console.log(storageKey("size:3--sha256:ab", "http://127.0.0.1:1080/files/"));
 * // "size:3--sha256:ab::http://127.0.0.1:1080/files/"
 * ```
 */
export function storageKey(fingerprint: string, endpoint: string): string {
  return `${fingerprint}::${new URL(endpoint).href}`;
}

/**
 * The storage key of part `index` (from 0) of `count` of a parallel upload
 * whose own key is `key`: `<key>::part-<index + 1>-of-<count>`.
 *
 * @example The key of the first of three parts
 * ```ts
 * import { partStorageKey } from "@tusflow/client";
 *
 * console.log(partStorageKey("fp::http://127.0.0.1/files/", 0, 3));
 * // "fp::http://127.0.0.1/files/::part-1-of-3"
 * ```
 */
export function partStorageKey(
  key: string,
  index: number,
  count: number,
): string {
  return `${key}::part-${index + 1}-of-${count}`;
}
