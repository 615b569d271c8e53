/**
 * A `ReadableStream` as a chunk source: it holds the chunks read since the
 * last `release` (so a failed chunk can be sent again) in buffers it reuses,
 * and learns its size at the end.
 *
 * @module
 */
import type { ChunkSource } from "./chunk_source.ts";

/** Bytes `[start, start + bytes.length)` of the stream, in `buffer`. */
interface Segment {
  readonly start: number;
  readonly bytes: Uint8Array;
  readonly buffer: Uint8Array;
}

/** Free buffers kept for reuse: the chunk on the wire and the one read. */
const POOL_SIZE = 2;

/**
 * Wraps `stream`. Each read fills one buffer with exactly the bytes asked
 * for and hands out a view of it (no copy past the one out of the stream's
 * own pieces); the buffer is reused once `release` passes its end. Reads
 * before the released offset throw, since a stream cannot seek back.
 *
 * @example Reading a stream in chunks
 * ```ts
 * import { streamSource } from "./stream_source.ts";
 *
 * const source = streamSource(new Blob(["hello world"]).stream());
 * const first = await source.read(0, 6);
 * source.release?.(6);
 * const rest = await source.read(6, 6);
 * console.log(first.length, rest.length, source.size); // 6 5 11
 * ```
 */
export function streamSource(stream: ReadableStream<Uint8Array>): ChunkSource {
  const reader = stream.getReader();
  let segments: Segment[] = [];
  const pool: Uint8Array[] = [];
  /** The stream offset of `carry[0]`, or of the next byte the reader gives. */
  let position = 0;
  /** The part of the reader's last piece not yet copied. */
  let carry: Uint8Array | null = null;
  let released = 0;
  let size: number | null = null;
  /** Reads run one at a time: each moves the reader. */
  let tail: Promise<unknown> = Promise.resolve();

  /** The next piece of the stream (the carry first); `null` at its end. */
  async function nextPiece(): Promise<Uint8Array | null> {
    if (carry) {
      const piece = carry;
      carry = null;
      return piece;
    }
    if (size !== null) return null;
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        size = position;
        return null;
      }
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(
          "Cannot read upload stream: it must yield Uint8Array chunks",
        );
      }
      if (value.length > 0) return value;
    }
  }

  /** Reads one piece ahead when none is held, so the end shows. */
  async function peek(): Promise<void> {
    if (carry === null && size === null) carry = await nextPiece();
  }

  /** Drops the stream's bytes up to `offset` (a resume past the start). */
  async function skipTo(offset: number): Promise<void> {
    while (position < offset) {
      const piece = await nextPiece();
      if (piece === null) return;
      const drop = Math.min(piece.length, offset - position);
      position += drop;
      if (drop < piece.length) carry = piece.subarray(drop);
    }
  }

  function acquire(length: number): Uint8Array {
    while (pool.length > 0) {
      const buffer = pool.pop()!;
      if (buffer.length >= length) return buffer;
    }
    return new Uint8Array(length);
  }

  /** Copies the stream's next `length` bytes (fewer at its end) into a segment. */
  async function pull(length: number): Promise<void> {
    const buffer = acquire(length);
    const start = position;
    let filled = 0;
    while (filled < length) {
      const piece = await nextPiece();
      if (piece === null) break;
      const take = Math.min(piece.length, length - filled);
      buffer.set(
        take === piece.length ? piece : piece.subarray(0, take),
        filled,
      );
      filled += take;
      position += take;
      if (take < piece.length) carry = piece.subarray(take);
    }
    if (filled > 0) {
      segments.push({ start, bytes: buffer.subarray(0, filled), buffer });
    } else if (pool.length < POOL_SIZE) pool.push(buffer);
  }

  /** The bytes `[offset, end)` held: a view when one segment has them all. */
  function gather(offset: number, end: number): Uint8Array {
    const parts = segments.filter((s) =>
      s.start < end && s.start + s.bytes.length > offset
    );
    if (parts.length === 0) return new Uint8Array(0);
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    const stop = Math.min(end, last.start + last.bytes.length);
    if (parts.length === 1) {
      return first.bytes.subarray(offset - first.start, stop - first.start);
    }
    // A retry from inside a chunk: rare, so a fresh buffer is fine.
    const out = new Uint8Array(stop - offset);
    for (const part of parts) {
      const from = Math.max(offset, part.start) - part.start;
      const to = Math.min(stop, part.start + part.bytes.length) - part.start;
      out.set(part.bytes.subarray(from, to), part.start + from - offset);
    }
    return out;
  }

  async function read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < released) {
      throw new Error(
        `Cannot read upload stream at offset ${offset}: a stream cannot seek back before offset ${released}`,
      );
    }
    const end = offset + length;
    if (position < offset) await skipTo(offset);
    if (position < end) await pull(end - position);
    // One piece past the chunk tells whether the stream ends with it, so
    // the last PATCH can carry Upload-Length.
    await peek();
    if (size !== null && offset > size) {
      throw new Error(
        `Cannot read upload stream at offset ${offset}: it ended at ${size}`,
      );
    }
    return gather(offset, end);
  }

  return {
    get size() {
      return size;
    },
    read(offset, length) {
      const result = tail.then(() => read(offset, length));
      tail = result.catch(() => {});
      return result;
    },
    release(offset) {
      if (offset <= released) return;
      released = offset;
      segments = segments.filter((segment) => {
        if (segment.start + segment.bytes.length > offset) return true;
        if (pool.length < POOL_SIZE) pool.push(segment.buffer);
        return false;
      });
    },
    async close() {
      segments = [];
      pool.length = 0;
      carry = null;
      await reader.cancel().catch(() => {});
    },
  };
}
