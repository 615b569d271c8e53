/**
 * Reading a file by path, one range at a time. `node:fs/promises` is built
 * into Deno, Bun and Node alike, so one adapter serves the three runtimes;
 * browsers have no paths and never reach this module.
 *
 * @module
 */
import type * as Fs from "node:fs/promises";
import { builtin } from "./builtin.ts";

/** An open file that reads byte ranges without loading the whole file. */
export interface RangeFile {
  /** Size in bytes when the file was opened. */
  readonly size: number;
  /** Reads `length` bytes from `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Current size on disk, to notice a file that changed during an upload. */
  currentSize(): Promise<number>;
  /** Releases the handle; calling it twice is harmless. */
  close(): Promise<void>;
}

/**
 * Opens `path` for range reads.
 *
 * @throws {Error} naming the path when it does not exist or is not a file.
 */
export async function openRangeFile(path: string): Promise<RangeFile> {
  let handle;
  try {
    handle = await builtin<typeof Fs>("node:fs/promises").open(path, "r");
  } catch (error) {
    throw new Error(`Cannot open file ${path}: ${describeFsError(error)}`, {
      cause: error,
    });
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new Error(`Cannot open file ${path}: it is not a regular file`);
  }
  let closed = false;
  return {
    size: info.size,
    async read(offset, length) {
      const buffer = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(
          buffer,
          filled,
          length - filled,
          offset + filled,
        );
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? buffer : buffer.subarray(0, filled);
    },
    async currentSize() {
      return (await handle.stat()).size;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: string })?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
