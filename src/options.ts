/**
 * Options of {@linkcode TusClient} and `Uploader`, and their defaults; they
 * are checked and resolved once, by `settings.ts`.
 *
 * @module
 */
import type { TusCommunicationError } from "./errors.ts";
import type { Fingerprinter } from "./fingerprint.ts";
import type {
  AfterResponseHook,
  BeforeRequestHook,
  TusLogger,
} from "./http/transport.ts";
import type { ChecksumAlgorithm } from "./protocol/checksum.ts";
import type { UrlStorage } from "./storage/url_storage.ts";
import type { RetryListener } from "../machines/upload_types.ts";

/**
 * One XState inspection event, as `createActor(…, { inspect })` reports it:
 * the fields every kind has. The full type is xstate's `InspectionEvent`.
 */
export interface InspectEvent {
  /** `"@xstate.actor"`, `"@xstate.event"`, `"@xstate.snapshot"`, … */
  readonly type: string;
  /** The id of the root actor (the upload's machine). */
  readonly rootId: string;
  /** The actor the event is about. */
  readonly actorRef: unknown;
  /** The actor's snapshot, on `@xstate.snapshot` and `@xstate.microstep`. */
  readonly snapshot?: unknown;
  /** The event, on `@xstate.event`, `@xstate.snapshot` and `@xstate.microstep`. */
  readonly event?: unknown;
}

/**
 * Receives every inspection event (method syntax, so a listener typed with
 * xstate's own `InspectionEvent` fits too).
 */
export type InspectListener = {
  call(event: InspectEvent): void;
}["call"];

/**
 * An XState inspection observer, as `createActor(…, { inspect })` takes: a
 * listener, or an observer such as `@statelyai/inspect`'s `inspector.inspect`.
 */
export type InspectObserver =
  | InspectListener
  | {
    next?(event: InspectEvent): void;
    error?(error: unknown): void;
    complete?(): void;
  };

/** Options shared by every request and upload of a client. */
export interface TusClientOptions {
  /** Bytes per PATCH; `Infinity` sends the rest in one PATCH. @default 1_048_576 */
  chunkSize?: number;
  /**
   * `Upload-Checksum` per PATCH. `true` asks the server (OPTIONS, once per
   * client) and sends sha1, sha256 or sha512, whichever it lists first, or
   * none when it lacks the checksum extension (sha1 when OPTIONS fails); an
   * algorithm name is always sent, and refused before any byte when the
   * server lists the extension without it; `false` sends none.
   * @default true
   */
  checksum?: boolean | ChecksumAlgorithm;
  /** `false` accepts self-signed certificates where the runtime allows it. @default true */
  verifyTlsCert?: boolean;
  /** Encoding of metadata values before base64 (`"utf-8"` or `"latin1"`). @default "utf-8" */
  metadataEncoding?: string;
  /**
   * Remember upload URLs under `<fingerprint>::<endpoint>`, to resume across
   * processes. @default false
   */
  storeUrl?: boolean;
  /** Forget a stored URL once its upload is complete. @default false */
  removeFingerprintOnSuccess?: boolean;
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
  /** Called before each retry wait (`attempt` counts from 1). */
  onRetry?: RetryListener;
  /**
   * Receives a structured event for every request, response and network
   * error. With the environment variable `TUSFLOW_DEBUG=1` and no logger,
   * they are printed to stderr.
   */
  logger?: TusLogger;
  /** Adds `X-Request-ID` (UUID v4) to each request and to error messages. @default false */
  requestId?: boolean;
  /** Sends PATCH as POST with `X-HTTP-Method-Override: PATCH`. @default false */
  overridePatchMethod?: boolean;
  /**
   * The protocol spoken: tus 1.0.0, or the IETF "Resumable Uploads for
   * HTTP" draft (interop version `IETF_DRAFT_INTEROP_VERSION`, 9),
   * which has no metadata, checksums or concatenation (`parallelUploads`
   * must stay 1). @default "tus-v1"
   */
  protocol?: "tus-v1" | "ietf-draft";
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
  removeFingerprintOnSuccess: boolean;
  protocol: "tus-v1";
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
  removeFingerprintOnSuccess: false,
  protocol: "tus-v1",
});
