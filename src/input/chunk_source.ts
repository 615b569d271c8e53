/**
 * A seekable source of upload bytes: the machine reads only the chunk it
 * sends, at the offset the server asked for.
 *
 * @module
 */

/** Bytes to upload, read one range at a time. */
export interface ChunkSource {
  /** Total size in bytes, or `null` while unknown (streams). */
  readonly size: number | null;
  /** Reads up to `length` bytes from `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * The bytes from `offset` to `end` as a stream, for one streaming PATCH
   * (`chunkSize: Infinity`); only seekable sources have it.
   */
  stream?(offset: number, end: number): ReadableStream<Uint8Array>;
  /** Releases what the source holds (a file handle); idempotent. */
  close(): Promise<void>;
}
