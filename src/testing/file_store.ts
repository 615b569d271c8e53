/**
 * An {@linkcode UploadStore} on disk: each upload's bytes in a file that
 * received pieces are appended to, so the server's memory stays flat however
 * large the uploads are; its record in a JSON file beside it, so a restarted
 * server still knows its uploads.
 *
 * @module
 */
import type * as Fs from "node:fs";
import type * as Path from "node:path";
import { builtin } from "../runtime/builtin.ts";
import type { NewUpload, UploadRecord, UploadStore } from "./store.ts";

const fs = () => builtin<typeof Fs>("node:fs");
const path = () => builtin<typeof Path>("node:path");

/** Bytes copied at a time when a final upload takes its parts' bytes. */
const COPY_BLOCK = 1 << 20;

/**
 * Keeps uploads in a directory: `<id>.bin` holds the bytes (appended to,
 * truncated when a refused PATCH takes bytes back), `<id>.json` the record.
 * Every method is synchronous, as the interface wants; each append is one
 * `appendFileSync`, so no upload's bytes are ever held in memory.
 *
 * @example Storing an upload on disk
 * ```ts
 * import { FileUploadStore } from "./file_store.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const store = new FileUploadStore(dir);
 * store.create({
 *   id: "a", url: "http://127.0.0.1/files/a", length: 5, metadataHeader: null,
 *   metadata: {}, kind: "single", concatHeader: null, parts: [], expiresAt: null,
 * });
 * store.append("a", new TextEncoder().encode("hello"));
 * console.log(store.get("a")?.offset, await Deno.readTextFile(`${dir}/a.bin`)); // 5 "hello"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FileUploadStore implements UploadStore {
  /** The directory, as given. */
  readonly dir: string;
  readonly #records = new Map<string, UploadRecord>();

  /**
   * Opens the store in `dir` (created if missing), loading the uploads a
   * previous server left there.
   *
   * @param dir The directory for the upload files.
   * @throws {Error} naming the directory when it cannot be created or read.
   */
  constructor(dir: string) {
    this.dir = dir;
    try {
      fs().mkdirSync(dir, { recursive: true });
      this.#load();
    } catch (error) {
      throw new Error(
        `Cannot open upload directory ${dir}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
  }

  /** Adds an upload; a final one starts with a copy of its parts' bytes. */
  create(upload: NewUpload): UploadRecord {
    const file = this.#bin(upload.id);
    fs().writeFileSync(file, new Uint8Array(0));
    let offset = 0;
    for (const id of upload.parts) {
      offset += this.#copy(this.#entry(id), file);
    }
    const record: UploadRecord = Object.freeze({
      ...upload,
      offset,
      createdAt: Date.now(),
      gone: null,
    });
    this.#save(record);
    return record;
  }

  /** The upload with this id, or `null`. */
  get(id: string): UploadRecord | null {
    return this.#records.get(id) ?? null;
  }

  /** Appends `bytes` to the upload's file. */
  append(id: string, bytes: Uint8Array): void {
    const record = this.#entry(id);
    fs().appendFileSync(this.#bin(id), bytes);
    // The offset lives in memory; the file's size says it after a restart.
    this.#records.set(
      id,
      Object.freeze({ ...record, offset: record.offset + bytes.length }),
    );
  }

  /** Drops every byte past `offset`. */
  truncate(id: string, offset: number): void {
    const record = this.#entry(id);
    const kept = Math.min(offset, record.offset);
    fs().truncateSync(this.#bin(id), kept);
    this.#records.set(id, Object.freeze({ ...record, offset: kept }));
  }

  /** Sets the length of a deferred-length upload. */
  setLength(id: string, length: number): void {
    this.#save(Object.freeze({ ...this.#entry(id), length }));
  }

  /** Deletes the bytes and marks the upload gone. */
  markGone(id: string, status: 404 | 410): void {
    const record = this.#entry(id);
    fs().rmSync(this.#bin(id), { force: true });
    this.#save(Object.freeze({ ...record, gone: status }));
  }

  /** The bytes, read from the file, or `null` when gone or unknown. */
  read(id: string): Uint8Array | null {
    const record = this.#records.get(id);
    if (!record || record.gone !== null) return null;
    const bytes = fs().readFileSync(this.#bin(id));
    return new Uint8Array(bytes.buffer, bytes.byteOffset, record.offset);
  }

  /** Every upload, oldest first. */
  list(): UploadRecord[] {
    return [...this.#records.values()].sort((a, b) =>
      a.createdAt - b.createdAt
    );
  }

  #entry(id: string): UploadRecord {
    const record = this.#records.get(id);
    if (!record) throw new Error(`Cannot find upload ${id}: it does not exist`);
    return record;
  }

  #bin(id: string): string {
    return path().join(this.dir, `${safeId(id)}.bin`);
  }

  #save(record: UploadRecord): void {
    this.#records.set(record.id, record);
    const { offset: _offset, ...kept } = record;
    fs().writeFileSync(
      path().join(this.dir, `${safeId(record.id)}.json`),
      `${JSON.stringify(kept)}\n`,
    );
  }

  /** Appends the bytes of `part` to `target`, a block at a time. */
  #copy(part: UploadRecord, target: string): number {
    const source = fs().openSync(this.#bin(part.id), "r");
    const block = new Uint8Array(Math.min(COPY_BLOCK, part.offset || 1));
    let copied = 0;
    try {
      while (copied < part.offset) {
        const want = Math.min(block.length, part.offset - copied);
        const read = fs().readSync(source, block, 0, want, copied);
        if (read === 0) break;
        fs().appendFileSync(target, block.subarray(0, read));
        copied += read;
      }
    } finally {
      fs().closeSync(source);
    }
    return copied;
  }

  #load(): void {
    for (const name of fs().readdirSync(this.dir)) {
      if (!name.endsWith(".json")) continue;
      const text = fs().readFileSync(path().join(this.dir, name), "utf8");
      const saved = JSON.parse(text) as Omit<UploadRecord, "offset">;
      let offset = 0;
      if (saved.gone === null) {
        try {
          offset = fs().statSync(this.#bin(saved.id)).size;
        } catch {
          continue; // bytes removed by hand: forget the upload
        }
      }
      this.#records.set(saved.id, Object.freeze({ ...saved, offset }));
    }
  }
}

/** Ids become file names: only the characters the server's ids use. */
function safeId(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
    throw new Error(
      `Cannot store upload ${
        JSON.stringify(id)
      }: its id is not a safe file name`,
    );
  }
  return id;
}
