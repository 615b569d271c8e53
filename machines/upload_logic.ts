/**
 * Plain functions behind the upload machine's guards, actions and delays.
 * They hold the decisions; `upload.ts` only names them.
 *
 * @module
 */
import { TusCommunicationError, TusUploadFailed } from "../src/errors.ts";
import type { ChunkResult } from "../src/http/send_chunk.ts";
import { withoutQuery } from "../src/http/transport.ts";
import { CHECKSUM_MISMATCH } from "../src/protocol/headers.ts";
import { chunkPrefetcher } from "../src/input/chunk_prefetch.ts";
import type {
  StatsData,
  UploadContext,
  UploadMachineInput,
} from "./upload_types.ts";

/** Conflicts in a row without progress that end the upload. */
export const MAX_CONFLICTS = 3;

/** Longest wait between two attempts, in ms. */
export const MAX_RETRY_DELAY = 60_000;

/** Statuses worth another attempt besides 5xx and network errors. */
const RETRYABLE_STATUSES = new Set([423, 429, CHECKSUM_MISMATCH]);

/** The context an upload starts with. */
export function initialContext(input: UploadMachineInput): UploadContext {
  const size = input.source.size;
  return {
    ...input,
    offset: 0,
    size,
    lengthDeferred: size === null,
    mode: input.runOnStart ? "run" : "idle",
    stopAt: size ?? Infinity,
    attempt: 0,
    conflicts: 0,
    retryWaitMs: 0,
    prefetcher: chunkPrefetcher(
      input.source,
      input.checksum,
      input.source.stream !== undefined,
    ),
    error: null,
    stats: {
      totalBytes: size ?? 0,
      uploadedBytes: 0,
      startOffset: 0,
      chunksCompleted: 0,
      chunksFailed: 0,
      chunksRetried: 0,
      startTime: Date.now(),
      endTime: null,
    },
  };
}

/** The server holds every byte. */
export function isComplete(context: UploadContext): boolean {
  return context.url !== null && context.size !== null &&
    !context.lengthDeferred && context.offset >= context.size;
}

/** Nothing more was asked for: no command, or the run reached `stopAt`. */
export function shouldPause(context: UploadContext): boolean {
  return context.mode === "idle" || context.offset >= context.stopAt;
}

/** Bytes the next PATCH carries: a chunk, shortened at `stopAt`. */
export function nextChunkLength(context: UploadContext): number {
  return Math.min(context.chunkSize, context.stopAt - context.offset);
}

/** Bytes of the chunk after the next one (0 when the run ends first). */
export function followingChunkLength(context: UploadContext): number {
  const after = context.offset + nextChunkLength(context);
  return after < context.stopAt
    ? Math.min(context.chunkSize, context.stopAt - after)
    : 0;
}

/** Where a run stops: `stopAt` clamped to the size (`undefined` = the end). */
export function clampStopAt(context: UploadContext, stopAt?: number): number {
  const end = context.size ?? Infinity;
  if (stopAt === undefined || stopAt >= end) return end;
  return Math.max(0, stopAt);
}

/**
 * A PATCH with no bytes is sent only to declare a stream's length when the
 * stream ended exactly at a chunk boundary.
 */
function declaresLengthOnly(context: UploadContext, result: ChunkResult) {
  return result.sent === 0 && result.declaredLength !== null &&
    result.serverOffset === context.offset;
}

/**
 * A PATCH answer moves the upload on only when its offset went forward and
 * stays within the bytes sent and the size; anything else is a conflict.
 */
export function isAcceptedOffset(
  context: UploadContext,
  result: ChunkResult,
): boolean {
  const offset = result.serverOffset;
  if (offset === null) return false;
  if (declaresLengthOnly(context, result)) return true;
  const size = result.declaredLength ?? context.size ?? Infinity;
  return offset > context.offset && offset <= context.offset + result.sent &&
    offset <= size;
}

/** The server answered 409: the offsets disagree. */
export function isConflictError(error: unknown): boolean {
  return error instanceof TusCommunicationError && error.statusCode === 409;
}

/** The upload is gone from the server (404 Not Found, 410 Gone). */
export function isGoneError(error: unknown): boolean {
  return error instanceof TusCommunicationError &&
    (error.statusCode === 404 || error.statusCode === 410);
}

/** Network errors, timeouts, 5xx, 423, 429 and 460 are worth a retry. */
export function isRetryableError(error: TusCommunicationError): boolean {
  const status = error.statusCode;
  return status === null || status >= 500 || RETRYABLE_STATUSES.has(status);
}

/** Whether the failed chunk gets another attempt. */
export function canRetry(context: UploadContext, error: unknown): boolean {
  if (!(error instanceof TusCommunicationError)) return false;
  if (context.attempt >= context.maxRetries) return false;
  return context.shouldRetry
    ? context.shouldRetry(error, context.attempt + 1)
    : isRetryableError(error);
}

/**
 * The wait before retry number `attempt` (0-based): the server's
 * `Retry-After` when it gave one, else `retryDelay * 2^attempt`; both capped.
 */
export function retryWait(
  retryDelay: number,
  attempt: number,
  error: unknown,
): number {
  const asked = error instanceof TusCommunicationError
    ? error.retryAfterMs
    : null;
  const wait = asked ?? retryDelay * 2 ** attempt;
  return Math.min(wait, MAX_RETRY_DELAY);
}

/** Stats after the server confirmed `offset`. */
export function statsAt(stats: StatsData, offset: number): StatsData {
  return { ...stats, uploadedBytes: offset };
}

/**
 * The error an upload ends with. Failures while sending bytes become
 * {@linkcode TusUploadFailed}; a plain `Error` (a file that changed) is
 * wrapped so callers always get the contract's classes.
 */
export function uploadFailure(
  error: unknown,
  whileSending: boolean,
): TusCommunicationError {
  if (error instanceof TusUploadFailed) return error;
  const Class = whileSending ? TusUploadFailed : TusCommunicationError;
  if (error instanceof TusCommunicationError) {
    if (!whileSending) return error;
    return new Class(error.message, {
      statusCode: error.statusCode,
      responseContent: error.responseContent,
      retryAfterMs: error.retryAfterMs,
      cause: error.cause,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new Class(
    message.startsWith("Cannot ") ? message : `Cannot upload: ${message}`,
    {
      cause: error,
    },
  );
}

/** The error an aborted upload rejects with. */
export function abortFailure(
  context: UploadContext,
  reason: unknown,
): TusUploadFailed {
  const where = context.url ? ` (${withoutQuery(context.url)})` : "";
  return new TusUploadFailed(
    `Cannot upload: aborted at offset ${context.offset}${where}`,
    { cause: reason },
  );
}

/** The error for conflicts that keep coming without progress. */
export function conflictFailure(context: UploadContext): TusUploadFailed {
  return new TusUploadFailed(
    `Cannot send chunk at offset ${context.offset}: ${context.conflicts} offset conflicts in a row without progress (${
      withoutQuery(context.url ?? "")
    })`,
    { statusCode: 409 },
  );
}
