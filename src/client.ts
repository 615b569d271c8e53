/**
 * `TusClient`: the entry point. It checks arguments, then hands each upload
 * to an {@linkcode Uploader} and its machine.
 *
 * @module
 */
import type { UrlListener } from "../machines/upload_types.ts";
import {
  type ServerInfoCache,
  serverInfoCache,
} from "./http/server_info_cache.ts";
import type { ServerInfo } from "./http/server_options.ts";
import type { UploadInput } from "./input/upload_input.ts";
import type { TusClientOptions } from "./options.ts";
import { assertValidMetadata, encodeMetadata } from "./protocol/metadata.ts";
import { retriedRequest } from "./retried_request.ts";
import {
  checkChunkSize,
  checkHeaders,
  resolveSettings,
  type Settings,
} from "./settings.ts";
import { checkSource } from "./source.ts";
import type { UploadStats } from "./stats.ts";
import type {
  checkStreamChunkSize as CheckStreamChunkSize,
  Uploader,
} from "./uploader.ts";
import type { UploadJob } from "./upload_job.ts";

/** Where the bytes come from: exactly one of the two. */
export interface UploadSource {
  /** Path of a file to upload; adds `metadata.filename` unless given. */
  filePath?: string;
  /** Content to upload. */
  fileStream?: UploadInput;
}

/** Arguments of {@linkcode TusClient.uploadFile}. */
export interface UploadFileOptions extends UploadSource {
  /** Metadata sent as `Upload-Metadata` when the upload is created. */
  metadata?: Record<string, string>;
  /** Called with a frozen stats snapshot whenever the server confirms bytes. */
  onProgress?: (stats: UploadStats) => void;
  /** Called once, as soon as the upload's URL is known, before its first PATCH. */
  onUploadUrlAvailable?: UrlListener;
  /** Stop once the server holds this many bytes (clamped to the size). */
  stopAt?: number;
  /** Aborts the upload; what the server holds stays resumable. */
  signal?: AbortSignal;
}

/** Arguments of {@linkcode TusClient.resumeUpload}. */
export interface ResumeUploadOptions extends UploadSource {
  /** The upload to continue. */
  uploadUrl: string;
  /** Called with a frozen stats snapshot whenever the server confirms bytes. */
  onProgress?: (stats: UploadStats) => void;
  /** Called once with the upload's URL, before its first PATCH. */
  onUploadUrlAvailable?: UrlListener;
  /** Aborts the upload; what the server holds stays resumable. */
  signal?: AbortSignal;
}

/** Arguments of {@linkcode TusClient.createUploader}. */
export interface CreateUploaderOptions extends UploadSource {
  /** An existing upload; without it the upload is created. */
  uploadUrl?: string;
  /** Metadata for a new upload. */
  metadata?: Record<string, string>;
  /** Overrides the client's chunk size. */
  chunkSize?: number;
  /** Aborts every operation of the uploader. */
  signal?: AbortSignal;
  /** Called once, as soon as the upload's URL is known, before its first PATCH. */
  onUploadUrlAvailable?: UrlListener;
}

/** What the server holds of an upload, from HEAD. */
export interface UploadInfo {
  /** Bytes the server holds. */
  offset: number;
  /** Total size, or `null` while deferred. */
  length: number | null;
  /** Every byte is there. */
  complete: boolean;
  /** Decoded `Upload-Metadata`. */
  metadata: Record<string, string>;
  /** `Upload-Expires`, or `null`. */
  expiresAt: Date | null;
}

export type { ServerInfo };

/**
 * A client for one tus endpoint.
 *
 * @example Uploading a file
 * ```ts ignore
 * import { TusClient } from "@tusflow/client";
 *
 * const client = new TusClient("http://127.0.0.1:1080/files/");
 * const url = await client.uploadFile({
 *   filePath: "video.mp4",
 *   onProgress: (stats) => console.log(`${stats.progressPercent?.toFixed(1)}%`),
 * });
 * console.log("stored at", url);
 * ```
 */
export class TusClient {
  /** The creation endpoint. */
  readonly url: string;
  #settings: Settings;
  #serverInfo: ServerInfoCache;

  /**
   * Checks the URL and options; no request is sent until a method is called.
   *
   * @param url The creation endpoint.
   * @param options Client-wide options.
   * @throws {TypeError} or {RangeError} for a bad URL or option.
   */
  constructor(url: string, options: TusClientOptions = {}) {
    if (typeof url !== "string" || !URL.canParse(url)) {
      throw new TypeError(
        `Cannot create client: ${JSON.stringify(url)} is not an absolute URL`,
      );
    }
    this.url = url;
    this.#settings = resolveSettings(options);
    this.#serverInfo = serverInfoCache(
      this.#settings.transport,
      url,
      this.#settings.protocol,
    );
  }

  /**
   * Creates an upload and sends the content (or up to `stopAt`). With
   * `storeUrl`, content already stored for this endpoint resumes instead.
   *
   * @returns The upload URL.
   * @throws {TypeError} or {RangeError} for bad arguments, before any request.
   * @throws {TusUploadFailed} when sending fails after the retries or aborts.
   * @throws {TusCommunicationError} when the upload cannot be created.
   */
  async uploadFile(options: UploadFileOptions): Promise<string> {
    const { checkStopAt, checkStreamChunkSize, uploaderForJob } =
      await loadUploader();
    checkSource(options);
    checkStopAt(options.stopAt);
    const job = this.#job(checkStreamChunkSize, options, {
      endpoint: this.url,
      url: null,
      metadata: this.#metadataFor(options),
    });
    if (this.#settings.parallelUploads > 1) {
      // Its own chunk in a bundle: only parallel uploads load it.
      const { checkParallelSource, runParallelUpload } = await import(
        "./parallel_upload.ts"
      );
      checkParallelSource(options);
      return await runParallelUpload(job, {
        onProgress: options.onProgress,
        signal: options.signal,
      });
    }
    await using uploader = uploaderForJob(job);
    return await uploader.upload(options);
  }

  /**
   * Continues an upload from the offset the server holds.
   *
   * @returns The upload URL.
   * @throws {TusCommunicationError} when the server cannot be asked (404, 410…).
   * @throws {TusUploadFailed} when sending fails after the retries or aborts.
   */
  async resumeUpload(options: ResumeUploadOptions): Promise<string> {
    const { checkStreamChunkSize, uploaderForJob } = await loadUploader();
    checkSource(options);
    checkUploadUrl(options.uploadUrl);
    const job = this.#job(checkStreamChunkSize, options, {
      endpoint: this.url,
      url: options.uploadUrl,
      metadata: null,
    });
    await using uploader = uploaderForJob(job);
    return await uploader.upload(options);
  }

  /**
   * An opened {@linkcode Uploader} for step-by-step control: it resumes
   * `uploadUrl`, or creates the upload.
   *
   * @throws {TypeError} or {RangeError} for bad arguments, before any request.
   */
  async createUploader(options: CreateUploaderOptions): Promise<Uploader> {
    const { checkStreamChunkSize, uploaderForJob } = await loadUploader();
    checkSource(options);
    if (options.uploadUrl !== undefined) checkUploadUrl(options.uploadUrl);
    const job = this.#job(checkStreamChunkSize, options, {
      endpoint: this.url,
      url: options.uploadUrl ?? null,
      metadata: options.uploadUrl === undefined
        ? this.#metadataFor(options)
        : null,
    });
    const uploader = uploaderForJob(job);
    await uploader.open();
    return uploader;
  }

  /**
   * Terminates an upload (termination extension), retried like a chunk;
   * 404 and 410 count as already deleted.
   *
   * @throws {TusCommunicationError} on any other failure.
   */
  async deleteUpload(
    uploadUrl: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    checkUploadUrl(uploadUrl);
    const { transport, protocol } = this.#settings;
    await retriedRequest(
      this.#settings,
      () => protocol.deleteUpload(transport, uploadUrl, options.signal),
      options.signal,
    );
  }

  /**
   * What the server holds of an upload.
   *
   * @throws {TusCommunicationError} when the server cannot be asked.
   */
  async getUploadInfo(
    uploadUrl: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<UploadInfo> {
    checkUploadUrl(uploadUrl);
    const state = await this.#settings.protocol.readUpload(
      this.#settings.transport,
      uploadUrl,
      options.signal,
    );
    return {
      offset: state.offset,
      length: state.length,
      complete: state.complete ??
        (state.length !== null && state.offset === state.length),
      metadata: state.metadata,
      expiresAt: state.expiresAt,
    };
  }

  /**
   * The server's capabilities (OPTIONS on the endpoint), asked afresh; the
   * first answer also serves the uploads' checksum negotiation.
   *
   * @throws {TusCommunicationError} when the server cannot be asked.
   */
  getServerInfo(options: { signal?: AbortSignal } = {}): Promise<ServerInfo> {
    const answer = this.#settings.protocol.readServerInfo(
      this.#settings.transport,
      this.url,
      options.signal,
    );
    this.#serverInfo.offer(answer);
    return answer;
  }

  /**
   * The decoded metadata of an upload.
   *
   * @throws {TusCommunicationError} when the server cannot be asked.
   */
  async getMetadata(
    uploadUrl: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<Record<string, string>> {
    return (await this.getUploadInfo(uploadUrl, options)).metadata;
  }

  /**
   * Adds or replaces headers sent with every request, uploads in progress
   * included.
   *
   * @throws {TypeError} when a value is not a string.
   */
  updateHeaders(headers: Record<string, string>): void {
    Object.assign(this.#settings.headers, checkHeaders(headers));
  }

  /** A copy of the headers sent with every request. */
  getHeaders(): Record<string, string> {
    return { ...this.#settings.headers };
  }

  /** The checked job of one call. */
  #job(
    checkStreamChunkSize: typeof CheckStreamChunkSize,
    options: UploadSource & {
      chunkSize?: number;
      signal?: AbortSignal;
      onUploadUrlAvailable?: UrlListener;
    },
    place: Pick<UploadJob, "endpoint" | "url" | "metadata">,
  ): UploadJob {
    const chunkSize = checkChunkSize(
      options.chunkSize ?? this.#settings.chunkSize,
    );
    checkStreamChunkSize(chunkSize, options.fileStream);
    const listener = options.onUploadUrlAvailable;
    if (listener !== undefined && typeof listener !== "function") {
      throw new TypeError(
        "Cannot use onUploadUrlAvailable: it must be a function",
      );
    }
    return {
      ...place,
      settings: this.#settings,
      filePath: options.filePath,
      fileStream: options.fileStream,
      serverInfo: this.#serverInfo,
      onUploadUrlAvailable: listener ?? null,
      signal: options.signal,
      creationHeaders: {},
      chunkSize,
    };
  }

  #metadataFor(
    options: UploadSource & { metadata?: Record<string, string> },
  ): string | null {
    const given = options.metadata ?? {};
    if (typeof given !== "object" || given === null) {
      throw new TypeError(
        "Cannot upload: metadata must be an object of strings",
      );
    }
    const metadata = { ...given };
    if (options.filePath !== undefined && metadata.filename === undefined) {
      metadata.filename = baseName(options.filePath);
    }
    assertValidMetadata(metadata);
    return encodeMetadata(metadata, this.#settings.metadataEncoding);
  }
}

/**
 * The uploader: a chunk of its own in a bundle of `TusClient` alone,
 * loaded with the first upload; the uploader loads its machine (with
 * xstate) when it opens.
 */
function loadUploader(): Promise<typeof import("./uploader.ts")> {
  return import("./uploader.ts");
}

function checkUploadUrl(url: unknown): void {
  if (typeof url !== "string" || !URL.canParse(url)) {
    throw new TypeError(
      `Cannot use upload URL ${JSON.stringify(url)}: it is not an absolute URL`,
    );
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}
