/**
 * `TusClient`: the entry point. It checks arguments, then hands each upload
 * to an {@linkcode Uploader} and its machine.
 *
 * @module
 */
import { deleteUpload } from "./http/delete_upload.ts";
import { readUpload } from "./http/read_upload.ts";
import { readServerInfo, type ServerInfo } from "./http/server_options.ts";
import type { Transport } from "./http/transport.ts";
import type { UploadInput } from "./input/upload_input.ts";
import {
  checkClientOptions,
  checkHeaders,
  DEFAULTS,
  resolveRequestSettings,
  resolveUploadSettings,
  type TusClientOptions,
} from "./options.ts";
import { assertValidMetadata, encodeMetadata } from "./protocol/metadata.ts";
import { checkSource } from "./source.ts";
import type { UploadStats } from "./stats.ts";
import {
  checkStopAt,
  checkUploaderOptions,
  Uploader,
  type UploaderOptions,
} from "./uploader.ts";
import { openChunkSource } from "./input/chunk_source.ts";
import {
  checkParallelServer,
  checkParallelSource,
  parallelInput,
  runParallelUpload,
} from "./parallel_upload.ts";
import { Fingerprint, type Fingerprinter } from "./fingerprint.ts";
import { FileUrlStorage } from "./storage/file_url_storage.ts";
import type { UrlStorage } from "./storage/url_storage.ts";

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
  /** Called with a frozen stats snapshot after each confirmed chunk. */
  onProgress?: (stats: UploadStats) => void;
  /** Stop once the server holds this many bytes (clamped to the size). */
  stopAt?: number;
  /** Aborts the upload; what the server holds stays resumable. */
  signal?: AbortSignal;
}

/** Arguments of {@linkcode TusClient.resumeUpload}. */
export interface ResumeUploadOptions extends UploadSource {
  /** The upload to continue. */
  uploadUrl: string;
  /** Called with a frozen stats snapshot after each confirmed chunk. */
  onProgress?: (stats: UploadStats) => void;
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
 *   onProgress: (stats) => console.log(`${stats.progressPercent.toFixed(1)}%`),
 * });
 * console.log("stored at", url);
 * ```
 */
export class TusClient {
  /** The creation endpoint. */
  readonly url: string;
  #options: TusClientOptions;
  #headers: Record<string, string>;
  #transport: Transport;
  #urlStorage: UrlStorage | null;
  #fingerprinter: Fingerprinter;
  #serverInfo: Promise<ServerInfo> | null = null;

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
    resolveUploadSettings(options);
    checkClientOptions(options);
    this.#headers = checkHeaders(options.headers);
    this.#options = options;
    const headers = this.#headers;
    this.#transport = {
      ...resolveRequestSettings(options),
      headers: () => headers,
    };
    if (
      options.urlStorage !== undefined &&
      typeof options.urlStorage?.getUrl !== "function"
    ) {
      throw new TypeError(
        "Cannot use urlStorage: it must implement getUrl, setUrl and removeUrl",
      );
    }
    this.#urlStorage = options.storeUrl
      ? options.urlStorage ?? new FileUrlStorage()
      : null;
    this.#fingerprinter = options.fingerprinter ?? new Fingerprint();
  }

  /**
   * Creates an upload and sends the content (or up to `stopAt`).
   *
   * @returns The upload URL.
   * @throws {TypeError} or {RangeError} for bad arguments, before any request.
   * @throws {TusUploadFailed} when sending fails after the retries or aborts.
   * @throws {TusCommunicationError} when the upload cannot be created.
   */
  async uploadFile(options: UploadFileOptions): Promise<string> {
    checkSource(options);
    checkStopAt(options.stopAt);
    const metadata = this.#metadataFor(options);
    const place = { endpoint: this.url, encodedMetadata: metadata };
    const uploaderOptions = this.#uploaderOptions(options, place);
    checkUploaderOptions(uploaderOptions);
    if ((this.#options.parallelUploads ?? 1) > 1) {
      return await this.#uploadInParallel(options, uploaderOptions);
    }
    const remembered = await this.#remembered(options);
    const withData = await this.#creationWithUpload(options.signal);
    await using uploader = new Uploader({
      ...uploaderOptions,
      ...remembered,
      uploadDataDuringCreation: withData,
    });
    return await uploader.upload(options);
  }

  /**
   * With `storeUrl`: the content's fingerprint and the URL stored under it.
   * Streams cannot be fingerprinted without consuming them, so they are
   * never stored.
   */
  async #remembered(
    source: UploadSource,
  ): Promise<Pick<UploaderOptions, "url" | "urlStorage" | "fingerprint">> {
    const storage = this.#urlStorage;
    const input = source.filePath ?? source.fileStream;
    if (!storage || input === undefined || input instanceof ReadableStream) {
      return {};
    }
    const fingerprint = await this.#fingerprinter.getFingerprint(input);
    const url = await storage.getUrl(fingerprint);
    return { urlStorage: storage, fingerprint, url: url ?? undefined };
  }

  /**
   * Splits the input into `parallelUploads` ranges, each a partial upload
   * driven by its own machine, joined by a final upload with the metadata.
   */
  async #uploadInParallel(
    options: UploadFileOptions,
    uploaderOptions: UploaderOptions,
  ): Promise<string> {
    checkParallelSource(options);
    const info = await this.#serverCapabilities(options.signal);
    checkParallelServer(info);
    const remembered = await this.#remembered(options);
    const source = await openChunkSource(options);
    try {
      const input = await parallelInput({
        source,
        count: this.#options.parallelUploads ?? 1,
        uploaderOptions,
        transport: this.#transport,
        endpoint: this.url,
        remembered,
        withData: info.extensions.includes("creation-with-upload") &&
          (this.#options.uploadDataDuringCreation ?? false),
      });
      return await runParallelUpload(input, {
        onProgress: options.onProgress,
        signal: options.signal,
        inspect: this.#options.inspect,
      });
    } finally {
      await source.close();
    }
  }

  /** The server's capabilities, asked once per client (OPTIONS). */
  #serverCapabilities(signal?: AbortSignal): Promise<ServerInfo> {
    this.#serverInfo ??= this.getServerInfo({ signal }).catch((error) => {
      this.#serverInfo = null;
      throw error;
    });
    return this.#serverInfo;
  }

  /** Whether to send data with the POST: asked once per client, by OPTIONS. */
  async #creationWithUpload(signal?: AbortSignal): Promise<boolean> {
    if (!this.#options.uploadDataDuringCreation) return false;
    const info = await this.#serverCapabilities(signal);
    return info.extensions.includes("creation-with-upload");
  }

  /**
   * Continues an upload from the offset the server holds.
   *
   * @returns The upload URL.
   * @throws {TusCommunicationError} when the server cannot be asked (404, 410…).
   * @throws {TusUploadFailed} when sending fails after the retries or aborts.
   */
  async resumeUpload(options: ResumeUploadOptions): Promise<string> {
    checkSource(options);
    checkUploadUrl(options.uploadUrl);
    await using uploader = new Uploader(
      this.#uploaderOptions(options, { url: options.uploadUrl }),
    );
    return await uploader.upload(options);
  }

  /**
   * An opened {@linkcode Uploader} for step-by-step control: it resumes
   * `uploadUrl`, or creates the upload.
   *
   * @throws {TypeError} or {RangeError} for bad arguments, before any request.
   */
  async createUploader(options: CreateUploaderOptions): Promise<Uploader> {
    checkSource(options);
    if (options.uploadUrl !== undefined) checkUploadUrl(options.uploadUrl);
    const place = options.uploadUrl !== undefined
      ? { url: options.uploadUrl }
      : { endpoint: this.url, encodedMetadata: this.#metadataFor(options) };
    const uploader = new Uploader({
      ...this.#uploaderOptions(options, place),
      chunkSize: options.chunkSize ?? this.#options.chunkSize,
      signal: options.signal,
    });
    await uploader.open();
    return uploader;
  }

  /**
   * Terminates an upload (termination extension); 404 and 410 count as
   * already deleted.
   *
   * @throws {TusCommunicationError} on any other failure.
   */
  async deleteUpload(
    uploadUrl: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    checkUploadUrl(uploadUrl);
    await deleteUpload(this.#transport, uploadUrl, options.signal);
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
    const state = await readUpload(this.#transport, uploadUrl, options.signal);
    return {
      ...state,
      complete: state.length !== null && state.offset === state.length,
    };
  }

  /**
   * The server's capabilities (OPTIONS on the endpoint).
   *
   * @throws {TusCommunicationError} when the server cannot be asked.
   */
  getServerInfo(options: { signal?: AbortSignal } = {}): Promise<ServerInfo> {
    return readServerInfo(this.#transport, this.url, options.signal);
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
    Object.assign(this.#headers, checkHeaders(headers));
  }

  /** A copy of the headers sent with every request. */
  getHeaders(): Record<string, string> {
    return { ...this.#headers };
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
    return encodeMetadata(
      metadata,
      this.#options.metadataEncoding ?? DEFAULTS.metadataEncoding,
    );
  }

  #uploaderOptions(
    source: UploadSource,
    place: Pick<UploaderOptions, "url" | "endpoint" | "encodedMetadata">,
  ): UploaderOptions {
    const options = this.#options;
    return {
      ...place,
      filePath: source.filePath,
      fileStream: source.fileStream,
      chunkSize: options.chunkSize,
      checksum: options.checksum,
      headers: this.#headers,
      maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
      retryDelay: options.retryDelay,
      timeout: options.timeout,
      fetch: this.#transport.fetch,
      inspect: options.inspect,
      onBeforeRequest: options.onBeforeRequest,
      onAfterResponse: options.onAfterResponse,
      onShouldRetry: options.onShouldRetry,
      requestId: options.requestId,
      overridePatchMethod: options.overridePatchMethod,
    };
  }
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
