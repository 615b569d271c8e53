/**
 * Types of the upload machine: its input, context, events and output.
 *
 * @module
 */
import type { TusCommunicationError } from "../src/errors.ts";
import type { Fingerprinter } from "../src/fingerprint.ts";
import type { ProtocolAdapter } from "../src/http/protocol.ts";
import type { ServerInfoCache } from "../src/http/server_info_cache.ts";
import type { Transport } from "../src/http/transport.ts";
import type { ChunkPrefetcher } from "../src/input/chunk_prefetch.ts";
import type { ChunkSource } from "../src/input/chunk_source.ts";
import type { UploadInput } from "../src/input/upload_input.ts";
import type {
  ChecksumAlgorithm,
  ChecksumChoice,
} from "../src/protocol/checksum.ts";
import type { UrlStorage } from "../src/storage/url_storage.ts";
import type { ChunkResult } from "../src/http/send_chunk.ts";

/** Decides whether a failed request is retried (overrides the built-in policy). */
export type ShouldRetry = (
  error: TusCommunicationError,
  attempt: number,
) => boolean;

/** What `onRetry` is told before each retry wait. */
export interface RetryEvent {
  /** The failure being retried. */
  readonly error: TusCommunicationError;
  /** The attempt about to be made, counting from 1. */
  readonly attempt: number;
  /** How long the client waits before it, in ms. */
  readonly delayMs: number;
}

/** Called before each retry wait. */
export type RetryListener = (event: RetryEvent) => void;

/** Called once per upload, as soon as its URL is known. */
export type UrlListener = (url: string) => void | Promise<void>;

/** How an upload's URL is remembered across processes. */
export interface RecallPlan {
  /** Where URLs are remembered. */
  readonly storage: UrlStorage;
  /** Computes the content's fingerprint, when `key` is not given. */
  readonly fingerprinter: Fingerprinter;
  /** What the fingerprinter reads: the file path or the input. */
  readonly content: string | UploadInput;
  /** The storage key when already known (parts of a parallel upload). */
  readonly key: string | null;
  /** Forget the URL once the upload is complete. */
  readonly removeOnSuccess: boolean;
}

/** Everything an upload needs, given once when the actor is created. */
export interface UploadMachineInput {
  /** How requests are sent. */
  readonly transport: Transport;
  /** The protocol spoken: tus 1.0.0 (the default) or the IETF draft. */
  readonly protocol?: ProtocolAdapter;
  /** Where the bytes come from. */
  readonly source: ChunkSource;
  /** Creation endpoint: where a new upload is created and OPTIONS asked. */
  readonly endpoint: string | null;
  /** The upload's own URL when resuming an existing upload. */
  readonly url: string | null;
  /** Encoded `Upload-Metadata` value for creation. */
  readonly metadata: string | null;
  /** Bytes per PATCH (`Infinity`: one streamed PATCH). */
  readonly chunkSize: number;
  /** Which `Upload-Checksum` to send: negotiated, named, or none. */
  readonly checksum: ChecksumChoice;
  /** Retry attempts per chunk. */
  readonly maxRetries: number;
  /** Base retry delay in ms, doubled each attempt. */
  readonly retryDelay: number;
  /** Overrides the retry decision. */
  readonly shouldRetry: ShouldRetry | null;
  /** Told before each retry wait. */
  readonly onRetry: RetryListener | null;
  /** Send the first chunk with the POST when the server offers creation-with-upload. */
  readonly uploadDataDuringCreation: boolean;
  /** Extra creation headers, e.g. `Upload-Concat: partial`. */
  readonly creationHeaders: Record<string, string>;
  /** Remember the URL across processes; `null` for none. */
  readonly recall: RecallPlan | null;
  /** The server's OPTIONS answer, cached per client; `null`: never ask. */
  readonly serverInfo: ServerInfoCache | null;
  /** Told the upload URL once, before its first PATCH. */
  readonly onUploadUrlAvailable: UrlListener | null;
  /** Where to stop before any command: 0 waits for one, `Infinity` runs to the end. */
  readonly stopAt: number;
  /**
   * Count the bytes of a chunk in flight (`stats.sentBytes`) as the
   * connection takes them: on while someone watches progress. @default {false}
   */
  readonly reportSent?: boolean;
}

/** Counters behind `UploadStats`, kept in the machine's context. */
export interface StatsData {
  /** Size of the upload in bytes; `null` while a stream's length is unknown. */
  readonly totalBytes: number | null;
  /** Bytes the server has confirmed. */
  readonly uploadedBytes: number;
  /**
   * Bytes handed to the connection: `uploadedBytes` plus the part of the
   * chunk in flight that has gone out (equal to it while nothing is in flight).
   */
  readonly sentBytes: number;
  /** The server offset when this uploader started (for speed). */
  readonly startOffset: number;
  /** Chunks the server accepted. */
  readonly chunksCompleted: number;
  /** Chunks that failed after all their retries. */
  readonly chunksFailed: number;
  /** Retries made, over all chunks. */
  readonly chunksRetried: number;
  /** ms since epoch. */
  readonly startTime: number;
  /** ms since epoch when the upload completed, else `null`. */
  readonly endTime: number | null;
}

/** The machine's context: the single copy of the upload's state. */
export interface UploadContext extends UploadMachineInput {
  /** The upload URL, once created, given or recalled. */
  readonly url: string | null;
  /** The storage key (`<fingerprint>::<endpoint>`), once computed. */
  readonly storageKey: string | null;
  /** The URL came from storage (so a 404 there means: forget it). */
  readonly urlRecalled: boolean;
  /** `recalling` has run (or had nothing to do). */
  readonly recallDone: boolean;
  /** `probing` has run (or had nothing to do). */
  readonly probeDone: boolean;
  /** `onUploadUrlAvailable` was told. */
  readonly announced: boolean;
  /** The URL is in storage (recalled from it, or remembered). */
  readonly urlStored: boolean;
  /** The algorithm chosen for `Upload-Checksum`, once probed. */
  readonly checksumAlgorithm: ChecksumAlgorithm | null;
  /** The POST carries the first chunk (negotiated). */
  readonly sendWithCreation: boolean;
  /** Bytes the server holds (the next byte to send). */
  readonly offset: number;
  /** Total size in bytes; `null` while a stream's end is not reached. */
  readonly size: number | null;
  /** The server does not know the length yet (`Upload-Defer-Length`). */
  readonly lengthDeferred: boolean;
  /** Retries used since the server's offset last moved forward. */
  readonly attempt: number;
  /** Conflicts in a row without progress. */
  readonly conflicts: number;
  /** The wait before the next retry, in ms. */
  readonly retryWaitMs: number;
  /** The last PATCH answer could not be accepted: ask with HEAD. */
  readonly offsetDisputed: boolean;
  /** Counters behind `UploadStats`. */
  readonly stats: StatsData;
  /** Prepares the next chunk (read + checksum) while one is sent. */
  readonly prefetcher: ChunkPrefetcher;
  /** The last failure as it was thrown: what is being judged or retried. */
  readonly failure: unknown;
  /** Which step the last failure happened in. */
  readonly failedStep: FailedStep | null;
  /** Why the upload stopped, as the contract's error; `null` unless in `failed`. */
  readonly error: TusCommunicationError | null;
}

/**
 * The step a failure happened in: preparing (fingerprint, storage, OPTIONS),
 * creating (POST), opening (the first HEAD), sending (PATCH) or syncing (a
 * HEAD after a failure).
 */
export type FailedStep = "prepare" | "create" | "open" | "send" | "sync";

/** Events the machine accepts; all are `upload.*`. */
export type UploadEvent =
  | { type: "upload.chunk" }
  | { type: "upload.run"; stopAt: number; reportSent?: boolean }
  | { type: "upload.sent"; sentBytes: number }
  | { type: "upload.abort"; reason: unknown };

/** What a finished upload machine outputs. */
export interface UploadOutput {
  /** The upload URL. */
  readonly url: string;
  /** The final counters. */
  readonly stats: StatsData;
}

export type { ChunkResult };
