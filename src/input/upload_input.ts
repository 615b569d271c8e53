/**
 * What can be uploaded besides a file path.
 *
 * @module
 */

/**
 * Content to upload: a `Blob` (including `File` and `Bun.file()`), bytes, or a
 * stream. A stream of unknown length uploads with `Upload-Defer-Length`.
 *
 * @example Uploading bytes held in memory
 * ```ts
 * import type { UploadInput } from "@tusflow/client";
 *
 * const input: UploadInput = new TextEncoder().encode("hello");
 * console.log(input instanceof Uint8Array); // true
 * ```
 */
export type UploadInput =
  | Blob
  | Uint8Array
  | ArrayBuffer
  | ReadableStream<Uint8Array>;
