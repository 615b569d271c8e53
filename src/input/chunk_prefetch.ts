/**
 * Reading and hashing the next chunk while the current one is on the wire:
 * hashing in series with sending caps a fast link, so the two overlap.
 * At most one chunk is prepared ahead, so memory stays at two chunks, and
 * those two buffers are reused from chunk to chunk instead of leaving one
 * chunk of garbage per PATCH for the collector.
 *
 * Ownership: {@linkcode ChunkPrefetcher.take} is called once the PATCH of
 * the chunk taken before has settled (the machine sends one chunk at a
 * time), so that chunk's buffer is free again; a retry reads its bytes
 * anew from a seekable source, and a stream source keeps them until
 * `release` passes them.
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
   * bytes, 0 for none). The bytes of the chunk taken before may be reused
   * from now on: call it only once the request that carried them settled.
   */
  take(
    offset: number,
    length: number,
    nextLength: number,
    algorithm: ChecksumAlgorithm | null,
  ): Promise<PreparedChunk>;
}

/** One prepared or preparing chunk and the pooled buffer it fills. */
interface Slot {
  readonly offset: number;
  readonly length: number;
  readonly algorithm: ChecksumAlgorithm | null;
  chunk: Promise<PreparedChunk>;
  buffer: Uint8Array | null;
}

/** Free buffers kept: the one on the wire and the one being read. */
const POOL_SIZE = 2;

const { setImmediate: immediate } = globalThis as {
  setImmediate?: (callback: () => void) => unknown;
};

/**
 * Resolves on a later turn of the event loop, after pending I/O: at once
 * with `setImmediate` (Deno, Bun, Node), else through a message (browsers,
 * where a `setTimeout` of 0 may wait 4 ms).
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (immediate) return void immediate(resolve);
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * A prefetcher over `source`. It reads ahead when `readAhead` is set (a
 * seekable source) or when the source keeps what it read until released
 * (a stream with `release`): a retry can then still read its chunk.
 *
 * @example Taking two chunks of bytes
 * ```ts
 * import { chunkPrefetcher } from "./chunk_prefetch.ts";
 * import { openChunkSource } from "./open_chunk_source.ts";
 *
 * const source = await openChunkSource({ fileStream: new Uint8Array(10) });
 * const prefetcher = chunkPrefetcher(source, true);
 * const first = await prefetcher.take(0, 6, 4, "sha1");
 * const second = await prefetcher.take(6, 4, 0, null);
 * console.log(first.bytes.length, second.bytes.length); // 6 4
 * ```
 */
export function chunkPrefetcher(
  source: ChunkSource,
  readAhead: boolean,
): ChunkPrefetcher {
  const mayReadAhead = readAhead || source.release !== undefined;
  const readInto = source.readInto?.bind(source);
  const pool: Uint8Array[] = [];
  let ahead: Slot | null = null;
  let onWire: Slot | null = null;
  /** Slots dropped while their read may still run: freed by the next job. */
  let abandoned: Slot[] = [];
  /** Reads run one after another, in the order they were asked for. */
  let tail: Promise<unknown> = Promise.resolve();

  function free(slot: Slot): void {
    const buffer = slot.buffer;
    slot.buffer = null;
    if (buffer && pool.length < POOL_SIZE) pool.push(buffer);
  }

  function acquire(length: number): Uint8Array {
    while (pool.length > 0) {
      const buffer = pool.pop()!;
      if (buffer.length >= length) return buffer;
    }
    return new Uint8Array(length);
  }

  async function prepare(slot: Slot, later: boolean): Promise<PreparedChunk> {
    // Read-ahead waits a turn of the event loop, so that the request of
    // the chunk just taken is on its way before this one is read and
    // hashed: otherwise hashing would run in series with sending after all.
    if (later) await nextTurn();
    // Every earlier read has ended: what they filled can be reused.
    for (const old of abandoned) free(old);
    abandoned = [];
    let bytes: Uint8Array;
    if (readInto) {
      slot.buffer = acquire(slot.length);
      bytes = await readInto(
        slot.offset,
        slot.buffer.subarray(0, slot.length),
      );
    } else {
      bytes = await source.read(slot.offset, slot.length);
    }
    const checksum = slot.algorithm
      ? await checksumHeader(slot.algorithm, bytes)
      : null;
    return { bytes, checksum };
  }

  function schedule(
    offset: number,
    length: number,
    algorithm: ChecksumAlgorithm | null,
    later = false,
  ): Slot {
    const slot: Slot = {
      offset,
      length,
      algorithm,
      chunk: Promise.resolve(null as unknown as PreparedChunk),
      buffer: null,
    };
    slot.chunk = tail.then(() => prepare(slot, later));
    tail = slot.chunk.catch(() => {});
    return slot;
  }

  return {
    take(offset, length, nextLength, algorithm) {
      // The request that carried the chunk taken before has settled.
      if (onWire) free(onWire);
      source.release?.(offset);
      const previous = ahead;
      ahead = null;
      let slot: Slot;
      if (
        previous?.offset === offset && previous.length === length &&
        previous.algorithm === algorithm
      ) {
        slot = previous;
      } else {
        if (previous) abandoned.push(previous);
        slot = schedule(offset, length, algorithm);
      }
      onWire = slot;
      if (mayReadAhead && nextLength > 0) {
        ahead = schedule(offset + length, nextLength, algorithm, true);
        ahead.chunk.catch(() => {}); // surfaces when taken, if ever
      } else if (nextLength === 0) {
        // The last chunk: keep no buffer for after the upload (a retry
        // reads into a fresh one), so a finished upload holds nothing.
        pool.length = 0;
        onWire = null;
      }
      return slot.chunk;
    },
  };
}
