/**
 * Options of {@linkcode TusClient} and `Uploader`, their defaults, and the
 * checks that run before any request is sent.
 *
 * @module
 */
import type { InspectionEvent, Observer } from "xstate";
import type { TusCommunicationError } from "./errors.ts";
import type { Fingerprinter } from "./fingerprint.ts";
import type { AfterResponseHook, BeforeRequestHook } from "./http/transport.ts";
import {
  type ChecksumAlgorithm,
  resolveChecksumAlgorithm,
} from "./protocol/checksum.ts";
import { assertMetadataEncoding } from "./protocol/metadata.ts";
import type { UrlStorage } from "./storage/url_storage.ts";
import { insecureFetch } from "./runtime/tls.ts";

/** An XState inspection observer, as `createActor(…, { inspect })` takes. */
export type InspectObserver =
  | Observer<InspectionEvent>
  | ((event: InspectionEvent) => void);

/** Options shared by every request and upload of a client. */
export interface TusClientOptions {
  /** Bytes per PATCH; `Infinity` sends the rest in one PATCH. @default 1_048_576 */
  chunkSize?: number;
  /** `Upload-Checksum` per PATCH: `true` means `"sha1"`. @default true */
  checksum?: boolean | ChecksumAlgorithm;
  /** `false` accepts self-signed certificates where the runtime allows it. @default true */
  verifyTlsCert?: boolean;
  /** Encoding of metadata values before base64 (`"utf-8"` or `"latin1"`). @default "utf-8" */
  metadataEncoding?: string;
  /** Remember upload URLs by fingerprint, to resume across processes. @default false */
  storeUrl?: boolean;
  /** Where URLs are remembered. @default FileUrlStorage(".tus_urls.json") when storeUrl */
  urlStorage?: UrlStorage;
  /** Identifies content across processes. @default Fingerprint (size + SHA-256) */
  fingerprinter?: Fingerprinter;
  /** Headers added to every request. @default {} */
  headers?: Record<string, string>;
  /** Retry attempts per chunk; 0 means none. @default 3 */
  maxRetries?: number;
  /** Base retry delay in ms, doubled each attempt, capped at 60 000. @default 1000 */
  retryDelay?: number;
  /** Per-request timeout in ms, response body included. @default 30_000 */
  timeout?: number;
  /** The transport. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Above 1, splits the input into that many partial uploads (concatenation). @default 1 */
  parallelUploads?: number;
  /** Send the first chunk with the POST (creation-with-upload). @default false */
  uploadDataDuringCreation?: boolean;
  /** XState inspection observer given to every upload actor. */
  inspect?: InspectObserver;
  /** Last word on every request; may return a replacement. */
  onBeforeRequest?: BeforeRequestHook;
  /** Sees every response. */
  onAfterResponse?: AfterResponseHook;
  /** Overrides the retry decision (still bounded by `maxRetries`). */
  onShouldRetry?: (error: TusCommunicationError, attempt: number) => boolean;
  /** Adds `X-Request-ID` (UUID v4) to each request and to error messages. @default false */
  requestId?: boolean;
  /** Sends PATCH as POST with `X-HTTP-Method-Override: PATCH`. @default false */
  overridePatchMethod?: boolean;
}

/** Defaults of every {@linkcode TusClientOptions} field that has one. */
export const DEFAULTS: Readonly<{
  chunkSize: number;
  checksum: boolean;
  verifyTlsCert: boolean;
  metadataEncoding: string;
  storeUrl: boolean;
  maxRetries: number;
  retryDelay: number;
  timeout: number;
  parallelUploads: number;
  uploadDataDuringCreation: boolean;
  requestId: boolean;
  overridePatchMethod: boolean;
}> = Object.freeze({
  chunkSize: 1_048_576,
  checksum: true,
  verifyTlsCert: true,
  metadataEncoding: "utf-8",
  storeUrl: false,
  maxRetries: 3,
  retryDelay: 1000,
  timeout: 30_000,
  parallelUploads: 1,
  uploadDataDuringCreation: false,
  requestId: false,
  overridePatchMethod: false,
});

/** The request-level options, validated. */
export interface RequestSettings {
  readonly fetch: typeof fetch;
  readonly timeout: number;
  readonly requestId: boolean;
  readonly overridePatchMethod: boolean;
  readonly onBeforeRequest?: BeforeRequestHook;
  readonly onAfterResponse?: AfterResponseHook;
}

/** The upload-level options, validated. */
export interface UploadSettings {
  readonly chunkSize: number;
  readonly checksum: ChecksumAlgorithm | null;
  readonly maxRetries: number;
  readonly retryDelay: number;
  readonly onShouldRetry:
    | ((error: TusCommunicationError, attempt: number) => boolean)
    | null;
}

/** Checks `chunkSize`: a positive integer or `Infinity`. */
export function checkChunkSize(value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError("Cannot use chunkSize: it must be a number");
  }
  if (value === Infinity) return value;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot use chunkSize ${value}: it must be a whole number of bytes >= 1, or Infinity`,
    );
  }
  return value;
}

function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot use ${name}: it must be a number`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot use ${name} ${value}: it must be a whole number >= ${min}`,
    );
  }
  return value;
}

function checkDuration(
  name: string,
  value: unknown,
  positive: boolean,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot use ${name}: it must be a number of ms`);
  }
  if (Number.isNaN(value) || value < 0 || (positive && value === 0)) {
    throw new RangeError(
      `Cannot use ${name} ${value}: it must be a number of ms ${
        positive ? "> 0" : ">= 0"
      }`,
    );
  }
  return value;
}

function checkFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`Cannot use ${name}: it must be a function`);
  }
  return value;
}

/**
 * Checks custom headers: an object of string values.
 *
 * @throws {TypeError} for anything else.
 */
export function checkHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("Cannot use headers: it must be an object of strings");
  }
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== "string") {
      throw new TypeError(
        `Cannot use header "${name}": its value must be a string`,
      );
    }
  }
  return { ...value } as Record<string, string>;
}

/**
 * Validates the request-level options.
 *
 * @throws {TypeError} or {RangeError} naming the option.
 */
export function resolveRequestSettings(
  options: Omit<TusClientOptions, "chunkSize" | "checksum" | "maxRetries">,
): RequestSettings {
  const fetchImpl = checkFunction("fetch", options.fetch) ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") {
    throw new TypeError(
      "Cannot send requests: this runtime has no fetch; pass one as the fetch option",
    );
  }
  const verify = options.verifyTlsCert ?? DEFAULTS.verifyTlsCert;
  if (typeof verify !== "boolean") {
    throw new TypeError("Cannot use verifyTlsCert: it must be a boolean");
  }
  return {
    fetch: verify ? fetchImpl : insecureFetch(fetchImpl),
    timeout: checkDuration(
      "timeout",
      options.timeout ?? DEFAULTS.timeout,
      true,
    ),
    requestId: options.requestId ?? DEFAULTS.requestId,
    overridePatchMethod: options.overridePatchMethod ??
      DEFAULTS.overridePatchMethod,
    onBeforeRequest: checkFunction("onBeforeRequest", options.onBeforeRequest),
    onAfterResponse: checkFunction("onAfterResponse", options.onAfterResponse),
  };
}

/**
 * Validates the upload-level options.
 *
 * @throws {TypeError} or {RangeError} naming the option.
 */
export function resolveUploadSettings(
  options: Pick<
    TusClientOptions,
    "chunkSize" | "checksum" | "maxRetries" | "retryDelay" | "onShouldRetry"
  >,
  defaultMaxRetries: number = DEFAULTS.maxRetries,
): UploadSettings {
  return {
    chunkSize: checkChunkSize(options.chunkSize ?? DEFAULTS.chunkSize),
    checksum: resolveChecksumAlgorithm(options.checksum ?? DEFAULTS.checksum),
    maxRetries: checkCount(
      "maxRetries",
      options.maxRetries ?? defaultMaxRetries,
      0,
    ),
    retryDelay: checkDuration(
      "retryDelay",
      options.retryDelay ?? DEFAULTS.retryDelay,
      false,
    ),
    onShouldRetry: checkFunction("onShouldRetry", options.onShouldRetry) ??
      null,
  };
}

/** Checks the remaining client options. */
export function checkClientOptions(options: TusClientOptions): void {
  assertMetadataEncoding(options.metadataEncoding ?? DEFAULTS.metadataEncoding);
  checkCount(
    "parallelUploads",
    options.parallelUploads ?? DEFAULTS.parallelUploads,
    1,
  );
}
