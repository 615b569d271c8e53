/**
 * Reading and hashing the next chunk while the current one is on the wire:
 * hashing in series with sending caps a fast link, so the two overlap.
 * At most one chunk is prepared ahead, so memory stays at two chunks.
 *
 * @module
 */
import {
  type ChecksumAlgorithm,
  checksumHeader,
} from "../protocol/checksum.ts";
import type { ChunkSource } from "./chunk_source.ts";

/** A chunk ready to send: its bytes and its `Upload-Checksum` value. */
export interface PreparedChunk {
  /** The chunk's bytes. */
  readonly bytes: Uint8Array;
  /** Its `Upload-Checksum` value, or `null` for none. */
  readonly checksum: string | null;
}

/** Hands out prepared chunks, preparing the next one in the background. */
export interface ChunkPrefetcher {
  /**
   * The chunk at `offset` of `length` bytes with its checksum by
   * `algorithm`; then starts preparing the one after it (`nextLength`
   * bytes, 0 for none).
   */
  take(
    offset: number,
    length: number,
    nextLength: number,
    algorithm: ChecksumAlgorithm | null,
  ): Promise<PreparedChunk>;
}

/**
 * A prefetcher over `source`. Only seekable sources may read ahead: a
 * stream must keep its current chunk for a retry, so it reads in turn.
 */
export function chunkPrefetcher(
  source: ChunkSource,
  readAhead: boolean,
): ChunkPrefetcher {
  let ahead:
    | {
      offset: number;
      length: number;
      algorithm: ChecksumAlgorithm | null;
      chunk: Promise<PreparedChunk>;
    }
    | null = null;

  async function prepare(
    offset: number,
    length: number,
    algorithm: ChecksumAlgorithm | null,
  ): Promise<PreparedChunk> {
    const bytes = await source.read(offset, length);
    const checksum = algorithm ? await checksumHeader(algorithm, bytes) : null;
    return { bytes, checksum };
  }

  return {
    take(offset, length, nextLength, algorithm) {
      const hit = ahead?.offset === offset && ahead.length === length &&
        ahead.algorithm === algorithm;
      const chunk = hit && ahead
        ? ahead.chunk
        : prepare(offset, length, algorithm);
      ahead = null;
      if (readAhead && nextLength > 0) {
        const start = offset + length;
        const next = chunk.then(() => prepare(start, nextLength, algorithm));
        next.catch(() => {}); // surfaces when taken, if ever
        ahead = { offset: start, length: nextLength, algorithm, chunk: next };
      }
      return chunk;
    },
  };
}
