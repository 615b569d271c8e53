/**
 * A file path as a chunk source that reads into the reader's own buffers,
 * so that an upload reuses two chunk buffers instead of allocating one per
 * chunk. One descriptor per source, released by `close`.
 *
 * @module
 */
import type * as Fs from "node:fs/promises";
import { optionalBuiltin } from "../runtime/builtin.ts";
import { openRangeFile } from "../runtime/file.ts";
import type { ChunkSource } from "./chunk_source.ts";

/** Bytes per read when the file is streamed. */
const STREAM_PIECE = 1_048_576;

/**
 * Opens `path`. Where the runtime has `node:fs/promises` (Deno, Bun, Node)
 * the source reads with its own handle into given buffers; elsewhere it is
 * what `openRangeFile` gives (which explains why a browser has no paths).
 *
 * @throws {Error} naming the path when it does not exist or is not a file.
 *
 * @example Reading a file into a reused buffer
 * ```ts ignore
 * import { openFileSource } from "./file_source.ts";
 *
 * const source = await openFileSource("./big.bin");
 * const buffer = new Uint8Array(1024);
 * const first = await source.readInto!(0, buffer);
 * console.log(first.buffer === buffer.buffer); // true
 * await source.close();
 * ```
 */
export async function openFileSource(path: string): Promise<ChunkSource> {
  const fs = optionalBuiltin<typeof Fs>("node:fs/promises");
  const handle = fs ? await fs.open(path, "r").catch(() => null) : null;
  const info = handle ? await handle.stat().catch(() => null) : null;
  if (!handle || !info?.isFile()) {
    await handle?.close();
    // The same checks, with the same messages, where the runtime has no
    // node:fs; it throws when the path cannot be read.
    return rangeFileSource(path, await openRangeFile(path));
  }
  const size = info.size;
  let closed = false;

  async function readInto(
    offset: number,
    target: Uint8Array,
  ): Promise<Uint8Array> {
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await handle!.read(
        target,
        filled,
        target.length - filled,
        offset + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const now = (await handle!.stat()).size;
    checkSize(path, size, now, filled, Math.min(target.length, size - offset));
    return target.subarray(0, filled);
  }
  const read = (offset: number, length: number) =>
    readInto(
      offset,
      new Uint8Array(Math.max(0, Math.min(length, size - offset))),
    );
  return {
    size,
    read,
    readInto,
    stream: (offset, end) => piecesFrom(offset, end, read),
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

/** The same source over a {@linkcode openRangeFile} file (no `readInto`). */
function rangeFileSource(
  path: string,
  file: Awaited<ReturnType<typeof openRangeFile>>,
): ChunkSource {
  const size = file.size;
  async function read(offset: number, length: number): Promise<Uint8Array> {
    const bytes = await file.read(offset, length);
    const now = await file.currentSize();
    checkSize(path, size, now, bytes.length, Math.min(length, size - offset));
    return bytes;
  }
  return {
    size,
    read,
    stream: (offset, end) => piecesFrom(offset, end, read),
    close: () => file.close(),
  };
}

function checkSize(
  path: string,
  size: number,
  now: number,
  got: number,
  wanted: number,
): void {
  if (got < wanted || now !== size) {
    throw new Error(
      `Cannot read file ${path}: its size changed from ${size} to ${now} bytes during the upload`,
    );
  }
}

/** A pull stream over `read`, one piece at a time: memory stays flat. */
export function piecesFrom(
  offset: number,
  end: number,
  read: (offset: number, length: number) => Promise<Uint8Array>,
): ReadableStream<Uint8Array> {
  let position = offset;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (position >= end) return controller.close();
      const piece = await read(
        position,
        Math.min(STREAM_PIECE, end - position),
      );
      position += piece.length;
      controller.enqueue(piece);
    },
  }, { highWaterMark: 0 });
}
