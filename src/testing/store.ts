/**
 * Where the test server keeps uploads: a small interface and an in-memory
 * implementation that can also discard bytes (count them only) for benchmarks.
 *
 * @module
 */

/**
 * How an upload takes part in concatenation, as created.
 *
 * @example Telling a final upload
 * ```ts
 * import type { UploadKind } from "@tusflow/client/testing";
 *
 * const kind: UploadKind = "final";
 * console.log(kind === "final"); // true
 * ```
 */
export type UploadKind = "single" | "partial" | "final";

/**
 * What a new upload starts with.
 *
 * @example A deferred-length upload with metadata
 * ```ts
 * import type { NewUpload } from "@tusflow/client/testing";
 *
 * const upload: NewUpload = {
 *   id: "a1", url: "http://127.0.0.1:8080/files/a1", length: null,
 *   metadataHeader: "name YQ==", metadata: { name: "a" }, kind: "single",
 *   concatHeader: null, parts: [], expiresAt: null,
 * };
 * console.log(upload.length); // null
 * ```
 */
export interface NewUpload {
  /** The upload's id: the last segment of its URL. */
  readonly id: string;
  /** The absolute URL the server answered in `Location`. */
  readonly url: string;
  /** Total size in bytes, `null` while deferred. */
  readonly length: number | null;
  /** `Upload-Metadata` as received, `null` when absent. */
  readonly metadataHeader: string | null;
  /** The decoded metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Single, or a partial or final upload (concatenation). */
  readonly kind: UploadKind;
  /** `Upload-Concat` as received, `null` when absent. */
  readonly concatHeader: string | null;
  /** A final upload's parts, by id, in order; their bytes become its bytes. */
  readonly parts: readonly string[];
  /** When an unfinished upload expires (ms since epoch), or `null`. */
  readonly expiresAt: number | null;
}

/**
 * An upload as the store keeps it.
 *
 * @example Records come from the store
 * ```ts
 * import { MemoryUploadStore, type UploadRecord } from "@tusflow/client/testing";
 *
 * const store = new MemoryUploadStore();
 * const record: UploadRecord = store.create({
 *   id: "b", url: "http://127.0.0.1/files/b", length: 1, metadataHeader: null,
 *   metadata: {}, kind: "single", concatHeader: null, parts: [], expiresAt: null,
 * });
 * console.log(record.offset, record.gone); // 0 null
 * ```
 */
export interface UploadRecord extends NewUpload {
  /** Bytes stored so far. */
  readonly offset: number;
  /** Creation time, ms since epoch. */
  readonly createdAt: number;
  /** The status the upload answers with instead of being served, if any. */
  readonly gone: 404 | 410 | null;
}

/**
 * Storage of the test server. Handlers validate; the store only keeps bytes
 * and never checks the protocol.
 *
 * @example Giving the server a store to inspect directly
 * ```ts
 * import { MemoryUploadStore, startTusServer, type UploadStore } from "@tusflow/client/testing";
 *
 * const store: UploadStore = new MemoryUploadStore();
 * await using server = await startTusServer({ store });
 * console.log(server.store === store, store.list().length); // true 0
 * ```
 */
export interface UploadStore {
  /** Adds an upload (its id is new); a final one takes its parts' bytes. */
  create(upload: NewUpload): UploadRecord;
  /** The upload with this id, gone or not; `null` if never created. */
  get(id: string): UploadRecord | null;
  /** Appends bytes at the current offset. */
  append(id: string, bytes: Uint8Array): void;
  /** Drops the bytes past `offset` (a refused PATCH takes back its bytes). */
  truncate(id: string, offset: number): void;
  /** Sets a deferred length. */
  setLength(id: string, length: number): void;
  /** Frees the bytes; the upload answers `status` from now on. */
  markGone(id: string, status: 404 | 410): void;
  /** The stored bytes, joined; `null` if unknown, gone or discarded. */
  read(id: string): Uint8Array | null;
  /** Every upload, in creation order. */
  list(): UploadRecord[];
}

interface Entry {
  record: UploadRecord;
  /** Every block but the last is full; the last holds `tailFill` bytes. */
  blocks: Uint8Array[];
  tailFill: number;
}

/** Bytes per block: pieces are copied into blocks, never joined on append. */
const BLOCK_SIZE = 1 << 20;

/**
 * Keeps uploads in memory, in an array of blocks of up to 1 MiB that the
 * received pieces are copied into (runtimes hand out small views of 64 KiB
 * buffers, which would double the memory held). Nothing is joined on append.
 * With `discardBytes` it only counts the bytes.
 *
 * @example Storing and reading back
 * ```ts
 * import { MemoryUploadStore } from "@tusflow/client/testing";
 *
 * const store = new MemoryUploadStore();
 * const upload = store.create({
 *   id: "a", url: "http://127.0.0.1/files/a", length: 5, metadataHeader: null,
 *   metadata: {}, kind: "single", concatHeader: null, parts: [], expiresAt: null,
 * });
 * store.append(upload.id, new TextEncoder().encode("hello"));
 * console.log(store.get(upload.id)?.offset); // 5
 * ```
 */
export class MemoryUploadStore implements UploadStore {
  readonly #entries = new Map<string, Entry>();
  readonly #discard: boolean;

  /**
   * Creates an empty store.
   *
   * @param options `discardBytes`: count bytes without keeping them.
   */
  constructor(options: { discardBytes?: boolean } = {}) {
    this.#discard = options.discardBytes ?? false;
  }

  /** Adds an upload; a final one starts with the bytes of its parts. */
  create(upload: NewUpload): UploadRecord {
    const blocks: Uint8Array[] = [];
    let offset = 0;
    for (const id of upload.parts) {
      const part = this.#entry(id);
      blocks.push(...filled(part)); // shared: stored bytes never change
      offset += part.record.offset;
    }
    const record: UploadRecord = Object.freeze({
      ...upload,
      offset,
      createdAt: Date.now(),
      gone: null,
    });
    const tailFill = blocks.at(-1)?.length ?? 0;
    this.#entries.set(upload.id, { record, blocks, tailFill });
    return record;
  }

  /** The upload with this id, or `null`. */
  get(id: string): UploadRecord | null {
    return this.#entries.get(id)?.record ?? null;
  }

  /** Appends (or counts) `bytes`. */
  append(id: string, bytes: Uint8Array): void {
    const entry = this.#entry(id);
    const { length, offset } = entry.record;
    for (let at = 0; at < bytes.length && !this.#discard;) {
      let tail = entry.blocks.at(-1);
      if (!tail || entry.tailFill === tail.length) {
        const left = length === null ? BLOCK_SIZE : length - offset - at;
        tail = new Uint8Array(
          Math.max(bytes.length - at, Math.min(BLOCK_SIZE, left)),
        );
        entry.blocks.push(tail);
        entry.tailFill = 0;
      }
      const count = Math.min(bytes.length - at, tail.length - entry.tailFill);
      tail.set(bytes.subarray(at, at + count), entry.tailFill);
      entry.tailFill += count;
      at += count;
    }
    this.#update(entry, { offset: offset + bytes.length });
  }

  /** Drops every byte past `offset`. */
  truncate(id: string, offset: number): void {
    const entry = this.#entry(id);
    const kept = Math.min(offset, entry.record.offset);
    let start = 0;
    const blocks = [];
    for (const block of entry.blocks) {
      if (start >= kept) break;
      blocks.push(block);
      entry.tailFill = Math.min(block.length, kept - start);
      start += block.length;
    }
    entry.blocks = blocks;
    if (blocks.length === 0) entry.tailFill = 0;
    this.#update(entry, { offset: kept });
  }

  /** Sets the length of a deferred-length upload. */
  setLength(id: string, length: number): void {
    const entry = this.#entry(id);
    this.#update(entry, { length });
  }

  /** Frees the bytes and marks the upload gone. */
  markGone(id: string, status: 404 | 410): void {
    const entry = this.#entry(id);
    entry.blocks = [];
    entry.tailFill = 0;
    this.#update(entry, { gone: status });
  }

  /** The bytes joined, or `null` when gone, unknown or discarded. */
  read(id: string): Uint8Array | null {
    const entry = this.#entries.get(id);
    if (!entry || entry.record.gone !== null || this.#discard) return null;
    const bytes = new Uint8Array(entry.record.offset);
    let at = 0;
    for (const block of filled(entry)) {
      bytes.set(block, at);
      at += block.length;
    }
    return bytes;
  }

  /** Every upload, oldest first. */
  list(): UploadRecord[] {
    return [...this.#entries.values()].map((entry) => entry.record);
  }

  #entry(id: string): Entry {
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`Cannot find upload ${id}: it does not exist`);
    return entry;
  }

  #update(entry: Entry, change: Partial<UploadRecord>): void {
    entry.record = Object.freeze({ ...entry.record, ...change });
  }
}

/** The blocks of an entry, the last one cut to its filled part. */
function filled(entry: Entry): Uint8Array[] {
  const blocks = entry.blocks.slice();
  const tail = blocks.pop();
  if (tail) blocks.push(tail.subarray(0, entry.tailFill));
  return blocks;
}
