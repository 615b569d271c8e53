/**
 * Fingerprints: the key under which a `UrlStorage` remembers an
 * upload's URL, so that another process can resume the same content.
 *
 * @module
 */
import type { UploadInput } from "./input/upload_input.ts";
import { optionalBuiltin } from "./runtime/builtin.ts";
import { openRangeFile } from "./runtime/file.ts";
import type { Sha256 } from "./runtime/sha256.ts";

/** Bytes read and hashed at a time by default: 1 MiB. */
export const DEFAULT_FINGERPRINT_PIECE_SIZE = 1_048_576;

/**
 * Identifies content across processes. The same content must give the same
 * string whatever its form (path, `Blob`, bytes).
 */
export interface Fingerprinter {
  /**
   * Computes the fingerprint of a file path or of in-memory content.
   *
   * @param source A file path, or content to upload.
   * @param options `signal` stops the work when the upload is aborted.
   * @returns The fingerprint; the storage key adds the endpoint to it.
   */
  getFingerprint(
    source: string | UploadInput,
    options?: { signal?: AbortSignal },
  ): Promise<string>;
}

/** Options of {@linkcode Fingerprint}. */
export interface FingerprintOptions {
  /**
   * Bytes read and hashed at a time; memory use stays near this size.
   *
   * @default {1_048_576}
   */
  pieceSize?: number;
  /**
   * How a `File` (a `Blob` with a `name` and a `lastModified`) is
   * identified: `true` hashes its whole content; `false` uses
   * `file:<name>:<size>:<type>:<lastModified>` (name and type
   * URI-encoded) at once, without reading a byte, as tus-js-client does.
   * Other inputs are always hashed.
   *
   * @default {true where the runtime has `node:crypto` (Deno, Bun, Node), false elsewhere (browsers)}
   */
  hashFiles?: boolean;
}

/**
 * The default fingerprinter: `size:<bytes>--sha256:<hex>` of the whole
 * content, read in pieces so that a large file never sits in memory. In a
 * browser (no `node:crypto`) a `File` is identified by its name, size, type
 * and modification time instead (see {@linkcode FingerprintOptions.hashFiles}):
 * hashing gigabytes in JavaScript would delay the first byte.
 *
 * @example Same content, same fingerprint
 * ```ts
 * import { Fingerprint } from "@tusflow/client";
 *
 * const fingerprinter = new Fingerprint();
 * const bytes = new TextEncoder().encode("abc");
 * const fromBytes = await fingerprinter.getFingerprint(bytes);
 * const fromBlob = await fingerprinter.getFingerprint(new Blob([bytes]));
 * console.log(fromBytes === fromBlob); // true
 * console.log(fromBytes);
 * // "size:3--sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * ```
 */
export class Fingerprint implements Fingerprinter {
  readonly #pieceSize: number;
  readonly #hashFiles: boolean;

  /**
   * Creates a fingerprinter.
   *
   * @param options The piece size, and whether a `File` is hashed.
   * @throws {RangeError} when `pieceSize` is not a positive integer.
   */
  constructor(options: FingerprintOptions = {}) {
    const pieceSize = options.pieceSize ?? DEFAULT_FINGERPRINT_PIECE_SIZE;
    if (!Number.isSafeInteger(pieceSize) || pieceSize < 1) {
      throw new RangeError(
        `Cannot create fingerprinter: pieceSize must be a positive integer, got ${pieceSize}`,
      );
    }
    this.#pieceSize = pieceSize;
    const hashFiles = options.hashFiles ??
      optionalBuiltin("node:crypto") !== null;
    if (typeof hashFiles !== "boolean") {
      throw new TypeError(
        "Cannot create fingerprinter: hashFiles must be true or false",
      );
    }
    this.#hashFiles = hashFiles;
  }

  /**
   * Hashes the whole content: a file path is read in pieces, a `Blob` is
   * sliced in pieces, bytes are hashed where they are. A `File` is not read
   * when `hashFiles` is false.
   *
   * @param source A file path, a `Blob`, a `Uint8Array` or an `ArrayBuffer`.
   * @returns `size:<bytes>--sha256:<64 hex digits>`, or
   *   `file:<name>:<size>:<type>:<lastModified>` for a `File` when
   *   `hashFiles` is false.
   * @throws {TypeError} for a `ReadableStream` (hashing would consume it, so
   *   URL storage is not available for streams) or any other kind of value.
   * @throws {Error} naming the path when the file cannot be opened.
   */
  async getFingerprint(
    source: string | UploadInput,
    options: { signal?: AbortSignal } = {},
  ): Promise<string> {
    const signal = options.signal;
    if (typeof source === "string") return await this.#ofPath(source, signal);
    if (isReadableStream(source)) {
      throw new TypeError(
        "Cannot fingerprint a ReadableStream: reading it would consume it, so URL storage is not available for streams",
      );
    }
    if (typeof Blob !== "undefined" && source instanceof Blob) {
      if (!this.#hashFiles && isFile(source)) return describeFile(source);
      return await this.#ofBlob(source, signal);
    }
    if (source instanceof Uint8Array) return await ofBytes(source);
    if (source instanceof ArrayBuffer) {
      return await ofBytes(new Uint8Array(source));
    }
    throw new TypeError(
      `Cannot fingerprint ${
        describe(source)
      }: expected a file path, Blob, Uint8Array or ArrayBuffer`,
    );
  }

  async #ofPath(path: string, signal?: AbortSignal): Promise<string> {
    const file = await openRangeFile(path);
    try {
      return await hashPieces(
        file.size,
        this.#pieceSize,
        (offset, length) => file.read(offset, length),
        signal,
      );
    } finally {
      await file.close();
    }
  }

  #ofBlob(blob: Blob, signal?: AbortSignal): Promise<string> {
    return hashPieces(
      blob.size,
      this.#pieceSize,
      async (offset, length) =>
        new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
      signal,
    );
  }
}

/**
 * Hashes `size` bytes read piece by piece, reading the next piece while the
 * current one is hashed: at most two pieces are in memory. An abort stops
 * it between two pieces.
 */
async function hashPieces(
  size: number,
  pieceSize: number,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  signal?: AbortSignal,
): Promise<string> {
  const readFrom = (offset: number) =>
    offset < size ? read(offset, Math.min(pieceSize, size - offset)) : null;
  let pending = readFrom(0);
  try {
    const hash = await createSha256();
    let hashed = 0;
    while (pending !== null) {
      signal?.throwIfAborted();
      const piece = await pending;
      pending = null;
      if (piece.length === 0) break; // A file that shrank while read.
      pending = readFrom(hashed + piece.length);
      hash.update(piece);
      hashed += piece.length;
    }
    return format(hashed, hash);
  } finally {
    // Never leave a read running (or rejecting unseen) after an error.
    await pending?.catch(() => {});
  }
}

/**
 * Starts a SHA-256. Its module (with the pure TypeScript one a browser
 * needs) loads with the first hash: a browser identifies a `File` without
 * one, so a bundle does not load it up front.
 */
async function createSha256(): Promise<Sha256> {
  const { createSha256 } = await import("./runtime/sha256.ts");
  return await createSha256();
}

async function ofBytes(bytes: Uint8Array): Promise<string> {
  const hash = await createSha256();
  hash.update(bytes);
  return format(bytes.length, hash);
}

function format(size: number, hash: Sha256): string {
  return `size:${size}--sha256:${hash.digestHex()}`;
}

/** A `File`, or a `Blob` that carries the same two fields. */
function isFile(blob: Blob): blob is Blob & FileFields {
  const { name, lastModified } = blob as Partial<FileFields>;
  return typeof name === "string" && typeof lastModified === "number";
}

interface FileFields {
  readonly name: string;
  readonly lastModified: number;
}

function describeFile(file: Blob & FileFields): string {
  const name = encodeURIComponent(file.name);
  const type = encodeURIComponent(file.type);
  return `file:${name}:${file.size}:${type}:${file.lastModified}`;
}

function isReadableStream(value: unknown): boolean {
  if (
    typeof ReadableStream !== "undefined" && value instanceof ReadableStream
  ) {
    return true;
  }
  // A stream from another realm (or a polyfill) still has a reader.
  return typeof (value as { getReader?: unknown })?.getReader === "function";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return `a value of type ${typeof value}`;
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : "an object";
}
