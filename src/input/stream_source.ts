/**
 * A `ReadableStream` as a chunk source: it holds only the chunk being sent
 * (so a failed chunk can be sent again) and learns its size at the end.
 *
 * @module
 */
import type { ChunkSource } from "./chunk_source.ts";

/**
 * Wraps `stream`. Reads must move forward: a read before the start of the
 * buffered chunk throws, since a stream cannot seek back.
 */
export function streamSource(stream: ReadableStream<Uint8Array>): ChunkSource {
  const reader = stream.getReader();
  const pieces: Uint8Array[] = [];
  let start = 0; // offset of pieces[0][0]
  let buffered = 0;
  let size: number | null = null;

  async function fill(target: number): Promise<void> {
    while (size === null && buffered < target) {
      const { done, value } = await reader.read();
      if (done) {
        size = start + buffered;
        break;
      }
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(
          "Cannot read upload stream: it must yield Uint8Array chunks",
        );
      }
      pieces.push(value);
      buffered += value.length;
    }
  }

  function dropBefore(offset: number): void {
    while (pieces.length > 0 && start < offset) {
      const first = pieces[0]!;
      const drop = Math.min(first.length, offset - start);
      if (drop === first.length) pieces.shift();
      else pieces[0] = first.subarray(drop);
      start += drop;
      buffered -= drop;
    }
  }

  function copy(length: number): Uint8Array {
    const out = new Uint8Array(Math.min(length, buffered));
    let filled = 0;
    for (const piece of pieces) {
      if (filled === out.length) break;
      const part = piece.subarray(0, out.length - filled);
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  return {
    get size() {
      return size;
    },
    async read(offset, length) {
      if (offset < start) {
        throw new Error(
          `Cannot read upload stream at offset ${offset}: a stream cannot seek back before offset ${start}`,
        );
      }
      // One byte past the chunk tells whether the stream ends with it, so
      // the last PATCH can carry Upload-Length.
      await fill(offset - start + length + 1);
      if (offset > start + buffered) {
        throw new Error(
          `Cannot read upload stream at offset ${offset}: it ended at ${size}`,
        );
      }
      dropBefore(offset);
      return copy(length);
    },
    async close() {
      pieces.length = 0;
      await reader.cancel().catch(() => {});
    },
  };
}
