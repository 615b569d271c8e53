/**
 * `Uploader`: drives one upload machine actor, chunk by chunk or to the end.
 *
 * @module
 */
import { type Actor, createActor, type SnapshotFrom } from "xstate";
import { uploadMachineDefinition as uploadMachine } from "../machines/upload.ts";
import { abortFailure } from "../machines/upload_logic.ts";
import { stateName } from "../machines/state_name.ts";
import type {
  UploadContext,
  UploadMachineInput,
} from "../machines/upload_types.ts";
import { TusUploadFailed } from "./errors.ts";
import type { Transport } from "./http/transport.ts";
import { type ChunkSource, openChunkSource } from "./input/chunk_source.ts";
import type { UploadInput } from "./input/upload_input.ts";
import {
  checkHeaders,
  type InspectObserver,
  resolveRequestSettings,
  resolveUploadSettings,
  type TusClientOptions,
} from "./options.ts";
import { UploadStats } from "./stats.ts";
import { checkSource } from "./source.ts";
import type { UrlStorage } from "./storage/url_storage.ts";

/** Options of {@linkcode Uploader}; give exactly one of `filePath` and `fileStream`. */
export interface UploaderOptions extends
  Pick<
    TusClientOptions,
    | "chunkSize"
    | "checksum"
    | "retryDelay"
    | "timeout"
    | "fetch"
    | "inspect"
    | "onBeforeRequest"
    | "onAfterResponse"
    | "onShouldRetry"
    | "requestId"
    | "overridePatchMethod"
    | "verifyTlsCert"
  > {
  /** The upload's own URL (not the creation endpoint). */
  url?: string;
  /** The creation endpoint, used only when `url` is absent: `open()` then creates the upload. */
  endpoint?: string;
  /** Metadata for a new upload, already checked and encoded as `Upload-Metadata`. */
  encodedMetadata?: string | null;
  /** Path of the file to upload. */
  filePath?: string;
  /** Content to upload. */
  fileStream?: UploadInput;
  /** Headers added to every request; read at each request, so changes apply mid-upload. */
  headers?: Record<string, string>;
  /** Retry attempts per chunk. @default 0 */
  maxRetries?: number;
  /** Aborts every operation of this uploader. */
  signal?: AbortSignal;
  /** Send the first chunk with the POST (creation-with-upload). @default false */
  uploadDataDuringCreation?: boolean;
  /** Extra headers for the POST that creates the upload (e.g. `Upload-Concat: partial`). */
  creationHeaders?: Record<string, string>;
  /**
   * With `fingerprint`: a created URL is stored there, and a `url` that
   * answers 404 or 410 is forgotten and replaced by a new upload at
   * `endpoint`.
   */
  urlStorage?: UrlStorage;
  /** The content's fingerprint: the key in `urlStorage`. */
  fingerprint?: string;
}

/** Options of {@linkcode Uploader.upload}. */
export interface UploadOptions {
  /** Called with a frozen stats snapshot after each chunk the server confirms. */
  onProgress?: (stats: UploadStats) => void;
  /** Stop once the server holds this many bytes (clamped to the size). */
  stopAt?: number;
  /** Aborts this call; the upload stays resumable. */
  signal?: AbortSignal;
}

type UploadActor = Actor<typeof uploadMachine>;
type UploadSnapshot = SnapshotFrom<typeof uploadMachine>;

/**
 * Uploads one file or input to one tus upload. The upload machine holds all
 * state; the uploader only sends it commands and reads its snapshot.
 *
 * @example Uploading chunk by chunk
 * ```ts ignore
 * import { Uploader } from "@tusflow/client";
 *
 * await using up = await Uploader.open({ url: uploadUrl, filePath: "big.bin" });
 * while (await up.uploadChunk()) console.log(up.stats.progressPercent);
 * ```
 */
export class Uploader {
  #options: UploaderOptions;
  #transport: Transport;
  #source: ChunkSource | null = null;
  #actor: UploadActor | null = null;
  #opening: Promise<void> | null = null;

  /**
   * Checks the options; no request is sent until {@linkcode Uploader.open}.
   *
   * @throws {TypeError} or {RangeError} for bad options.
   */
  constructor(options: UploaderOptions) {
    checkUploaderOptions(options);
    const headers = options.headers ?? {};
    this.#options = options;
    const settings = resolveRequestSettings(options);
    this.#transport = { ...settings, headers: () => headers };
  }

  /**
   * Creates an uploader and opens it.
   *
   * @example Resuming an upload
   * ```ts ignore
   * const up = await Uploader.open({ url: uploadUrl, filePath: "big.bin" });
   * ```
   */
  static async open(options: UploaderOptions): Promise<Uploader> {
    const uploader = new Uploader(options);
    await uploader.open();
    return uploader;
  }

  /**
   * Opens the source and asks the server where the upload stands (HEAD), or
   * creates the upload (POST) when only an endpoint was given.
   *
   * @throws {Error} naming the path when the file is missing.
   * @throws {TusCommunicationError} when the server cannot be asked.
   */
  open(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#opening ??= this.#open(options.signal).catch(async (error) => {
      this.#opening = null;
      await this.close();
      throw error;
    });
    return this.#opening;
  }

  async #open(signal?: AbortSignal): Promise<void> {
    this.#source = await openChunkSource(this.#options);
    this.#actor = createActor(uploadMachine, {
      input: machineInput(this.#options, this.#source, this.#transport),
      inspect: this.#options.inspect as InspectObserver | undefined,
    });
    const actor = this.#actor;
    await this.#settle(() => actor.start(), signal);
  }

  /**
   * Sends one chunk.
   *
   * @returns `true` while more remains to send.
   * @throws {TusUploadFailed} when the chunk fails after its retries or the
   * signal aborts.
   */
  async uploadChunk(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    await this.open(options);
    const actor = this.#requireActor();
    if (!this.isComplete) {
      this.#assertIdle();
      await this.#settle(
        () => actor.send({ type: "upload.chunk" }),
        options.signal,
      );
    }
    return !this.isComplete;
  }

  /**
   * Sends the rest of the upload, or up to `stopAt`.
   *
   * @returns The upload URL.
   * @throws {TusUploadFailed} when a chunk fails after its retries or the
   * signal aborts.
   */
  async upload(options: UploadOptions = {}): Promise<string> {
    const stopAt = checkStopAt(options.stopAt);
    await this.open(options);
    const actor = this.#requireActor();
    if (!this.isComplete) {
      this.#assertIdle();
      await this.#settle(
        () => actor.send({ type: "upload.run", stopAt }),
        options.signal,
        options.onProgress,
      );
    }
    return this.url ?? "";
  }

  /** The server holds every byte. */
  get isComplete(): boolean {
    return this.#snapshot()?.status === "done";
  }

  /** Bytes the server holds. */
  get offset(): number {
    return this.#context()?.offset ?? 0;
  }

  /** The upload URL, once known. */
  get url(): string | null {
    return this.#context()?.url ?? this.#options.url ?? null;
  }

  /** A frozen snapshot of the statistics. */
  get stats(): UploadStats {
    return new UploadStats(this.#context()?.stats);
  }

  /**
   * The machine's active state, dotted when nested (`"conflict.head"`);
   * `"unopened"` before {@linkcode Uploader.open}, `"closed"` once
   * {@linkcode Uploader.close} stopped an unfinished upload.
   */
  get state(): string {
    const snapshot = this.#snapshot();
    if (!snapshot) return "unopened";
    return snapshot.status === "stopped" ? "closed" : stateName(snapshot.value);
  }

  /** Releases the file handle and stops the machine; safe to call twice. */
  async close(): Promise<void> {
    const actor = this.#actor;
    if (actor && actor.getSnapshot().status === "active") {
      // Settles a call still waiting, then cancels timers and requests.
      actor.send({
        type: "upload.abort",
        reason: new Error("uploader closed"),
      });
      actor.stop();
    }
    await this.#source?.close();
  }

  /** Same as {@linkcode Uploader.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Rejects commands to a closed uploader or one already busy. */
  #assertIdle(): void {
    const snapshot = this.#requireActor().getSnapshot();
    if (snapshot.status === "stopped") {
      throw new TusUploadFailed("Cannot upload: the uploader is closed");
    }
    if (snapshot.status === "active" && !isAtRest(snapshot)) {
      throw new Error(
        `Cannot upload: another upload() or uploadChunk() call is running (state ${
          stateName(snapshot.value)
        })`,
      );
    }
  }

  #snapshot(): UploadSnapshot | null {
    return this.#actor?.getSnapshot() ?? null;
  }

  #context(): UploadContext | null {
    return this.#snapshot()?.context ?? null;
  }

  #requireActor(): UploadActor {
    if (!this.#actor) {
      throw new Error("Uploader invariant broken: no actor after open()");
    }
    return this.#actor;
  }

  /**
   * Runs `command` and waits until the machine rests again: `ready`,
   * `failed` or `done`. Aborting either signal sends `upload.abort`.
   */
  #settle(
    command: () => void,
    callSignal?: AbortSignal,
    onProgress?: (stats: UploadStats) => void,
  ): Promise<void> {
    const actor = this.#requireActor();
    const signals = [callSignal, this.#options.signal].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    const aborted = signals.find((signal) => signal.aborted);
    if (aborted) {
      return Promise.reject(
        abortFailure(actor.getSnapshot().context, aborted.reason),
      );
    }
    return new Promise<void>((resolve, reject) => {
      let reported = actor.getSnapshot().context.stats;
      const onAbort = (event: Event) =>
        actor.send({
          type: "upload.abort",
          reason: (event.target as AbortSignal).reason,
        });
      const finish = (error?: unknown) => {
        subscription.unsubscribe();
        for (const signal of signals) {
          signal.removeEventListener("abort", onAbort);
        }
        error === undefined ? resolve() : reject(error);
      };
      const check = (snapshot: UploadSnapshot) => {
        const stats = snapshot.context.stats;
        if (
          onProgress && stats !== reported &&
          stats.chunksCompleted !== reported.chunksCompleted
        ) {
          reported = stats;
          onProgress(new UploadStats(stats));
        }
        if (snapshot.status === "done" || snapshot.matches("ready")) finish();
        else if (snapshot.matches("failed")) finish(snapshot.context.error);
      };
      const subscription = actor.subscribe({
        next: check,
        error: (error) =>
          finish(
            new TusUploadFailed(`Cannot upload: ${String(error)}`, {
              cause: error,
            }),
          ),
      });
      for (const signal of signals) {
        signal.addEventListener("abort", onAbort, { once: true });
      }
      command();
      check(actor.getSnapshot());
    });
  }
}

/**
 * Checks every option of an uploader before any I/O.
 *
 * @throws {TypeError} or {RangeError} naming the option.
 */
export function checkUploaderOptions(options: UploaderOptions): void {
  checkSource(options);
  if (options.url === undefined && options.endpoint === undefined) {
    throw new TypeError("Cannot create uploader: give url (or endpoint)");
  }
  const places = [["url", options.url], ["endpoint", options.endpoint]];
  for (const [name, value] of places) {
    if (value !== undefined && !URL.canParse(value)) {
      throw new TypeError(
        `Cannot create uploader: ${name} is not an absolute URL`,
      );
    }
  }
  const { chunkSize } = resolveUploadSettings(options, 0);
  if (chunkSize === Infinity && options.fileStream instanceof ReadableStream) {
    throw new RangeError(
      "Cannot upload a ReadableStream with chunkSize Infinity: a failed chunk must be re-sent, so a stream is sent in finite chunks",
    );
  }
  checkHeaders(options.headers);
  resolveRequestSettings(options);
}

/**
 * The upload machine's input for `options`, reading from `source`.
 *
 * @throws {TypeError} or {RangeError} for bad options.
 */
export function machineInput(
  options: UploaderOptions,
  source: ChunkSource,
  transport: Transport,
  runOnStart = false,
): UploadMachineInput {
  const upload = resolveUploadSettings(options, 0);
  return {
    transport,
    source,
    endpoint: options.endpoint ?? null,
    url: options.url ?? null,
    metadata: options.encodedMetadata ?? null,
    chunkSize: upload.chunkSize,
    checksum: upload.checksum,
    maxRetries: upload.maxRetries,
    retryDelay: upload.retryDelay,
    shouldRetry: upload.onShouldRetry,
    uploadDataDuringCreation: options.uploadDataDuringCreation ?? false,
    creationHeaders: options.creationHeaders ?? {},
    urlStorage: options.urlStorage ?? null,
    fingerprint: options.fingerprint ?? null,
    runOnStart,
  };
}

/**
 * Checks `stopAt`: a number of bytes >= 0 (`undefined` means the end).
 *
 * @throws {TypeError} or {RangeError} for anything else.
 */
export function checkStopAt(stopAt: unknown): number {
  if (stopAt === undefined) return Infinity;
  if (typeof stopAt !== "number") {
    throw new TypeError("Cannot upload: stopAt must be a number of bytes");
  }
  if (Number.isNaN(stopAt) || stopAt < 0) {
    throw new RangeError(`Cannot upload: stopAt ${stopAt} must be >= 0`);
  }
  return stopAt;
}

/** The machine waits for a command: nothing is in flight. */
function isAtRest(snapshot: UploadSnapshot): boolean {
  return snapshot.matches("ready") || snapshot.matches("failed");
}
