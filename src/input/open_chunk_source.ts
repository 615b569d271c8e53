/**
 * Opening the source of an upload: a file path, a `Blob`, bytes, or a
 * stream, each as a {@linkcode ChunkSource}.
 *
 * @module
 */
import type { ChunkSource } from "./chunk_source.ts";
import { openFileSource, piecesFrom } from "./file_source.ts";
import { streamSource } from "./stream_source.ts";
import type { UploadInput } from "./upload_input.ts";

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
  if (input instanceof ReadableStream) return streamSource(input);
  throw new TypeError(
    "Cannot read upload input: fileStream must be a Blob, Uint8Array, ArrayBuffer or ReadableStream",
  );
}

function blobSource(blob: Blob): ChunkSource {
  return {
    size: blob.size,
    async read(offset, length) {
      const slice = blob.slice(offset, offset + length);
      return new Uint8Array(await slice.arrayBuffer());
    },
    async readInto(offset, target) {
      const reader = blob.slice(offset, offset + target.length).stream()
        .getReader();
      let filled = 0;
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        target.set(value, filled);
        filled += value.length;
      }
      return target.subarray(0, filled);
    },
    stream: (offset, end) => blob.slice(offset, end).stream(),
    close: () => Promise.resolve(),
  };
}

function bytesSource(bytes: Uint8Array): ChunkSource {
  const read = (offset: number, length: number) =>
    Promise.resolve(bytes.subarray(offset, offset + length));
  return {
    size: bytes.length,
    read,
    stream: (offset, end) => piecesFrom(offset, end, read),
    close: () => Promise.resolve(),
  };
}
