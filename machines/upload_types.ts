/**
 * Types of the upload machine: its input, context, events and output.
 *
 * @module
 */
import type { TusCommunicationError } from "../src/errors.ts";
import type { Transport } from "../src/http/transport.ts";
import type { ChunkPrefetcher } from "../src/input/chunk_prefetch.ts";
import type { ChunkSource } from "../src/input/chunk_source.ts";
import type { ChecksumAlgorithm } from "../src/protocol/checksum.ts";
import type { UrlStorage } from "../src/storage/url_storage.ts";

/** Decides whether a failed request is retried (overrides the built-in policy). */
export type ShouldRetry = (
  error: TusCommunicationError,
  attempt: number,
) => boolean;

/** Everything an upload needs, given once when the actor is created. */
export interface UploadMachineInput {
  /** How requests are sent. */
  readonly transport: Transport;
  /** Where the bytes come from. */
  readonly source: ChunkSource;
  /** Creation endpoint; used when `url` is `null`. */
  readonly endpoint: string | null;
  /** The upload's own URL when resuming an existing upload. */
  readonly url: string | null;
  /** Encoded `Upload-Metadata` value for creation. */
  readonly metadata: string | null;
  /** Bytes per PATCH (`Infinity`: one streamed PATCH). */
  readonly chunkSize: number;
  /** `Upload-Checksum` algorithm, or `null` for none. */
  readonly checksum: ChecksumAlgorithm | null;
  /** Retry attempts per chunk. */
  readonly maxRetries: number;
  /** Base retry delay in ms, doubled each attempt. */
  readonly retryDelay: number;
  /** Overrides the retry decision. */
  readonly shouldRetry: ShouldRetry | null;
  /** Send the first chunk with the POST (creation-with-upload). */
  readonly uploadDataDuringCreation: boolean;
  /** Extra creation headers, e.g. `Upload-Concat: partial`. */
  readonly creationHeaders: Record<string, string>;
  /** Where the URL is remembered under `fingerprint`, if anywhere. */
  readonly urlStorage: UrlStorage | null;
  /** The content's fingerprint: its key in `urlStorage`. */
  readonly fingerprint: string | null;
  /** Start sending as soon as the upload is created or opened (parts of a parallel upload). */
  readonly runOnStart?: boolean;
}

/** Counters behind `UploadStats`, kept in the machine's context. */
export interface StatsData {
  /** Size of the upload in bytes (0 while a stream's size is unknown). */
  readonly totalBytes: number;
  /** Bytes the server has confirmed. */
  readonly uploadedBytes: number;
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

/** What the driver asked for: nothing, one chunk, or everything up to `stopAt`. */
export type UploadMode = "idle" | "step" | "run";

/** The machine's context: the single copy of the upload's state. */
export interface UploadContext extends UploadMachineInput {
  /** The upload URL, once created or given. */
  readonly url: string | null;
  /** Bytes the server holds (the next byte to send). */
  readonly offset: number;
  /** Total size in bytes; `null` while a stream's end is not reached. */
  readonly size: number | null;
  /** The server does not know the length yet (`Upload-Defer-Length`). */
  readonly lengthDeferred: boolean;
  /** What the driver asked for. */
  readonly mode: UploadMode;
  /** Where the current run stops (clamped to `size`). */
  readonly stopAt: number;
  /** Retries used for the current chunk. */
  readonly attempt: number;
  /** Conflicts in a row without progress. */
  readonly conflicts: number;
  /** The wait before the next retry, in ms. */
  readonly retryWaitMs: number;
  /** Counters behind `UploadStats`. */
  readonly stats: StatsData;
  /** Prepares the next chunk (read + checksum) while one is sent. */
  readonly prefetcher: ChunkPrefetcher;
  /** Why the upload failed; `null` unless in `failed`. */
  readonly error: TusCommunicationError | null;
}

/** Events the machine accepts; all are `upload.*`. */
export type UploadEvent =
  | { type: "upload.chunk" }
  | { type: "upload.run"; stopAt: number }
  | { type: "upload.abort"; reason: unknown };

/** What a finished upload machine outputs. */
export interface UploadOutput {
  /** The upload URL. */
  readonly url: string;
  /** The final counters. */
  readonly stats: StatsData;
}
