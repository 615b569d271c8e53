/**
 * A seekable source of upload bytes: the machine reads only the chunk it
 * sends, at the offset the server asked for.
 *
 * @module
 */
import { openRangeFile } from "../runtime/file.ts";
import type { UploadInput } from "./upload_input.ts";

/** Bytes to upload, read one range at a time. */
export interface ChunkSource {
  /** Total size in bytes, or `null` while unknown (streams). */
  readonly size: number | null;
  /** Reads up to `length` bytes from `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases what the source holds (a file handle); idempotent. */
  close(): Promise<void>;
}

/**
 * Opens a source for a file path or an in-memory input.
 *
 * @throws {Error} naming the path when the file cannot be opened.
 * @throws {TypeError} for an input of another type.
 */
export async function openChunkSource(
  source: { filePath?: string; fileStream?: UploadInput },
): Promise<ChunkSource> {
  if (source.filePath !== undefined) {
    return await openFileSource(source.filePath);
  }
  const input = source.fileStream;
  if (input instanceof Blob) return blobSource(input);
  if (input instanceof Uint8Array) return bytesSource(input);
  if (input instanceof ArrayBuffer) return bytesSource(new Uint8Array(input));
  throw new TypeError(
    "Cannot read upload input: fileStream must be a Blob, Uint8Array or ArrayBuffer",
  );
}

async function openFileSource(path: string): Promise<ChunkSource> {
  const file = await openRangeFile(path);
  return {
    size: file.size,
    async read(offset, length) {
      const bytes = await file.read(offset, length);
      if (bytes.length < length) {
        throw new Error(
          `Cannot read file ${path}: it shrank below ${
            offset + length
          } bytes during the upload`,
        );
      }
      return bytes;
    },
    close: () => file.close(),
  };
}

function blobSource(blob: Blob): ChunkSource {
  return {
    size: blob.size,
    async read(offset, length) {
      const slice = blob.slice(offset, offset + length);
      return new Uint8Array(await slice.arrayBuffer());
    },
    close: () => Promise.resolve(),
  };
}

function bytesSource(bytes: Uint8Array): ChunkSource {
  return {
    size: bytes.length,
    read: (offset, length) =>
      Promise.resolve(bytes.subarray(offset, offset + length)),
    close: () => Promise.resolve(),
  };
}
