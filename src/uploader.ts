/**
 * `Uploader`: drives one upload machine actor, chunk by chunk or to the end.
 * xstate and the machine load with `import()` when an uploader first opens
 * (`uploader_actor.ts`), so that exporting `Uploader` costs a browser bundle
 * little before the first upload.
 *
 * @module
 */
import type { UrlListener } from "../machines/upload_types.ts";
import { drive } from "./drive.ts";
import { TusUploadFailed } from "./errors.ts";
import { serverInfoCache } from "./http/server_info_cache.ts";
import type { ChunkSource } from "./input/chunk_source.ts";
import { openChunkSource } from "./input/open_chunk_source.ts";
import type { UploadInput } from "./input/upload_input.ts";
import type { InspectObserver, TusClientOptions } from "./options.ts";
import { checkChunkSize, resolveSettings } from "./settings.ts";
import { UploadStats } from "./stats.ts";
import { checkSource } from "./source.ts";
import { machineInputOf, type UploadJob } from "./upload_job.ts";
import type { UploadActor, UploadSnapshot } from "./uploader_actor.ts";

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
    | "onRetry"
    | "logger"
    | "requestId"
    | "overridePatchMethod"
    | "verifyTlsCert"
    | "uploadDataDuringCreation"
    | "storeUrl"
    | "urlStorage"
    | "fingerprinter"
    | "removeFingerprintOnSuccess"
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
  /** Extra headers for the POST that creates the upload (e.g. `Upload-Concat: partial`). */
  creationHeaders?: Record<string, string>;
  /** Called once, as soon as the upload's URL is known and before its first PATCH. */
  onUploadUrlAvailable?: UrlListener;
}

/** Options of {@linkcode Uploader.upload}. */
export interface UploadOptions {
  /** Called with a frozen stats snapshot whenever the server confirms bytes. */
  onProgress?: (stats: UploadStats) => void;
  /** Stop once the server holds this many bytes (clamped to the size). */
  stopAt?: number;
  /** Aborts this call; the upload stays resumable. */
  signal?: AbortSignal;
}

/** The machine's side of an uploader: xstate, the machine, its reading. */
type MachineModule = typeof import("./uploader_actor.ts");

let machineModule: Promise<MachineModule> | undefined;

/**
 * Loads xstate and the upload machine with the first uploader that opens:
 * a chunk of its own in a bundle, not loaded with `Uploader` itself.
 */
function loadMachine(): Promise<MachineModule> {
  machineModule ??= import("./uploader_actor.ts").catch((error) => {
    machineModule = undefined; // A chunk that failed to load may load later.
    throw error;
  });
  return machineModule;
}

/** Jobs the client prepared, handed over without checking them again. */
const preparedJobs = new WeakMap<object, UploadJob>();

/**
 * An uploader for a job the client already checked and resolved.
 *
 * @param job Settings and the call's own arguments.
 */
export function uploaderForJob(job: UploadJob): Uploader {
  const token = {};
  preparedJobs.set(token, job);
  return new Uploader(token as UploaderOptions);
}

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
  #job: UploadJob;
  #source: ChunkSource | null = null;
  #actor: UploadActor | null = null;
  /** Loaded once the uploader opens; there whenever `#actor` is. */
  #machine: MachineModule | null = null;
  #opening: Promise<void> | null = null;

  /**
   * Checks the options; no request is sent until {@linkcode Uploader.open}.
   *
   * @throws {TypeError} or {RangeError} for bad options.
   */
  constructor(options: UploaderOptions) {
    this.#job = preparedJobs.get(options) ?? jobOf(options);
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
    return this.#start(0, options.signal).catch(async (error) => {
      await this.close();
      throw error;
    });
  }

  /**
   * Starts the machine once, to rest at `stopAt` (0: as soon as it can).
   * A failure before the upload has a URL closes the uploader (a later
   * call starts afresh); one after it leaves the machine in `failed`, from
   * which the next call resumes.
   */
  #start(
    stopAt: number,
    signal?: AbortSignal,
    onProgress?: (stats: UploadStats) => void,
  ): Promise<void> {
    if (this.#opening) return this.#opening;
    const started = this.#open(stopAt, signal, onProgress);
    const opened = started.catch(async (error) => {
      if (this.#snapshot()?.context.url) return;
      this.#opening = null;
      await this.close();
      throw error;
    });
    this.#opening = opened;
    return started.catch(async (error) => {
      await opened.catch(() => {});
      throw error;
    });
  }

  async #open(
    stopAt: number,
    signal?: AbortSignal,
    onProgress?: (stats: UploadStats) => void,
  ): Promise<void> {
    const machine = await loadMachine();
    this.#source = await openChunkSource(this.#job);
    const actor = machine.createUploadActor(
      {
        ...machineInputOf(this.#job, this.#source, stopAt),
        reportSent: onProgress !== undefined,
      },
      this.#job.settings.inspect ?? undefined,
    );
    this.#machine = machine;
    this.#actor = actor;
    await drive(actor, machine.reading, () => actor.start(), {
      signals: [signal, this.#job.signal],
      onProgress,
    });
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
    await this.#command({ type: "upload.chunk" }, options);
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
    if (this.#opening === null) {
      // Not opened yet: one run creates (or opens) and sends up to stopAt,
      // so a POST may carry the first chunk and stopAt 0 sends nothing.
      await this.#start(stopAt, options.signal, options.onProgress);
    }
    await this.#opening;
    await this.#command({
      type: "upload.run",
      stopAt,
      reportSent: options.onProgress !== undefined,
    }, options);
    return this.url ?? "";
  }

  async #command(
    event:
      | { type: "upload.chunk" }
      | { type: "upload.run"; stopAt: number; reportSent: boolean },
    options: UploadOptions,
  ): Promise<void> {
    const actor = this.#requireActor();
    const machine = this.#machine!;
    if (this.isComplete) return;
    this.#assertIdle(actor);
    if (event.type === "upload.run" && reachedStop(actor, event.stopAt)) {
      return;
    }
    await drive(actor, machine.reading, () => actor.send(event), {
      signals: [options.signal, this.#job.signal],
      onProgress: options.onProgress,
    });
  }

  /** The server holds every byte. */
  get isComplete(): boolean {
    return this.#snapshot()?.status === "done";
  }

  /** Bytes the server holds. */
  get offset(): number {
    return this.#snapshot()?.context.offset ?? 0;
  }

  /** The upload URL, once known. */
  get url(): string | null {
    return this.#snapshot()?.context.url ?? this.#job.url;
  }

  /** A frozen snapshot of the statistics. */
  get stats(): UploadStats {
    return new UploadStats(this.#snapshot()?.context.stats);
  }

  /**
   * The machine's active state, dotted when nested (`"conflict.head"`);
   * `"unopened"` before {@linkcode Uploader.open}, `"closed"` once
   * {@linkcode Uploader.close} stopped an unfinished upload.
   */
  get state(): string {
    const snapshot = this.#snapshot();
    if (!snapshot) return "unopened";
    return snapshot.status === "stopped"
      ? "closed"
      : this.#machine!.stateName(snapshot.value);
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
  #assertIdle(actor: UploadActor): void {
    const snapshot = actor.getSnapshot();
    if (snapshot.status === "stopped") {
      throw new TusUploadFailed("Cannot upload: the uploader is closed", {
        uploadUrl: snapshot.context.url,
      });
    }
    if (!snapshot.matches("ready") && !snapshot.matches("failed")) {
      throw new Error(
        `Cannot upload: another upload() or uploadChunk() call is running (state ${
          this.#machine!.stateName(snapshot.value)
        })`,
      );
    }
  }

  #snapshot(): UploadSnapshot | null {
    return this.#actor?.getSnapshot() ?? null;
  }

  #requireActor(): UploadActor {
    if (!this.#actor) {
      throw new Error("Uploader invariant broken: no actor after open()");
    }
    return this.#actor;
  }
}

/** The run already rests where it was asked to stop. */
function reachedStop(actor: UploadActor, stopAt: number): boolean {
  const snapshot = actor.getSnapshot();
  return snapshot.matches("ready") &&
    snapshot.context.offset >=
      Math.min(stopAt, snapshot.context.size ?? Infinity);
}

/**
 * The job of a bare uploader: its options checked and resolved.
 *
 * @throws {TypeError} or {RangeError} for bad options.
 */
function jobOf(options: UploaderOptions): UploadJob {
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
  const settings = resolveSettings(options, 0);
  const chunkSize = checkChunkSize(options.chunkSize ?? settings.chunkSize);
  checkStreamChunkSize(chunkSize, options.fileStream);
  const endpoint = options.endpoint ?? null;
  return {
    settings,
    endpoint,
    url: options.url ?? null,
    metadata: options.encodedMetadata ?? null,
    filePath: options.filePath,
    fileStream: options.fileStream,
    serverInfo: serverInfoCache(
      settings.transport,
      endpoint ?? options.url ?? "",
      settings.protocol,
    ),
    onUploadUrlAvailable: options.onUploadUrlAvailable ?? null,
    signal: options.signal,
    creationHeaders: options.creationHeaders ?? {},
    chunkSize,
  };
}

/**
 * A stream is sent in finite chunks: a failed chunk must be re-sent.
 *
 * @throws {RangeError} for a `ReadableStream` with `chunkSize: Infinity`.
 */
export function checkStreamChunkSize(
  chunkSize: number,
  input: UploadInput | undefined,
): void {
  if (chunkSize === Infinity && input instanceof ReadableStream) {
    throw new RangeError(
      "Cannot upload a ReadableStream with chunkSize Infinity: a failed chunk must be re-sent, so a stream is sent in finite chunks",
    );
  }
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

export type { InspectObserver };
