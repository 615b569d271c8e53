/**
 * A seekable source of upload bytes: the machine reads only the chunk it
 * sends, at the offset the server asked for.
 *
 * Who owns the bytes a read returns: they stay valid until the reader calls
 * `release` with an offset at or past their end (streams), or until the
 * next read into the same buffer (`readInto`, where the reader owns it).
 *
 * @module
 */

/** Bytes to upload, read one range at a time. */
export interface ChunkSource {
  /** Total size in bytes, or `null` while unknown (streams). */
  readonly size: number | null;
  /**
   * Reads up to `length` bytes from `offset`. A source may hand out a view
   * of memory it reuses once `release` passes it (streams) or of the
   * caller's input (bytes): never write into the result.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Reads up to `target.length` bytes from `offset` into `target` and
   * resolves with the filled part of it (a view of `target`), so that a
   * reader can reuse its buffers: only seekable sources have it.
   */
  readInto?(offset: number, target: Uint8Array): Promise<Uint8Array>;
  /**
   * The reader will never read before `offset` again: a source that holds
   * bytes for re-sending (a stream) may reuse the memory of those before it.
   */
  release?(offset: number): void;
  /**
   * The bytes from `offset` to `end` as a stream, for one streaming PATCH
   * (`chunkSize: Infinity`); only seekable sources have it.
   */
  stream?(offset: number, end: number): ReadableStream<Uint8Array>;
  /** Releases what the source holds (a file handle); idempotent. */
  close(): Promise<void>;
}
