/**
 * Plain functions behind the upload machine's guards and actions: every
 * decision and every piece of context arithmetic. `upload.ts` only names
 * them.
 *
 * @module
 */
import type { ChunkResult } from "../src/http/send_chunk.ts";
import type { UploadState } from "../src/http/read_upload.ts";
import { chunkPrefetcher } from "../src/input/chunk_prefetch.ts";
import type { ChecksumAlgorithm } from "../src/protocol/checksum.ts";
import {
  canRetry,
  canRetryCreation,
  isConflictError,
  isGoneError,
  isRefusal,
  retryWait,
} from "./retry_policy.ts";
import { uploadFailure } from "./upload_failures.ts";
import type {
  RetryEvent,
  StatsData,
  UploadContext,
  UploadMachineInput,
} from "./upload_types.ts";

/** Conflicts in a row without progress that end the upload. */
export const MAX_CONFLICTS = 3;

/** The context an upload starts with. */
export function initialContext(input: UploadMachineInput): UploadContext {
  const size = input.source.size;
  const probeNeeded = input.serverInfo !== null &&
    (input.checksum !== null || input.uploadDataDuringCreation);
  return {
    ...input,
    url: input.url,
    storageKey: input.recall?.key ?? null,
    urlRecalled: false,
    recallDone: input.recall === null || input.url !== null,
    probeDone: !probeNeeded,
    announced: false,
    urlStored: false,
    checksumAlgorithm: input.checksum === "negotiate" ? "sha1" : input.checksum,
    sendWithCreation: false,
    offset: 0,
    size,
    lengthDeferred: size === null,
    stopAt: Math.min(input.stopAt, size ?? Infinity),
    attempt: 0,
    conflicts: 0,
    retryWaitMs: 0,
    offsetDisputed: false,
    prefetcher: chunkPrefetcher(
      input.source,
      input.source.stream !== undefined,
    ),
    failure: null,
    failedStep: null,
    error: null,
    stats: {
      totalBytes: size,
      uploadedBytes: 0,
      sentBytes: 0,
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

/** The current command is done: the server holds `stopAt` bytes. */
export function shouldPause(context: UploadContext): boolean {
  return context.offset >= context.stopAt;
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

/** Bytes the POST carries with creation-with-upload (0: none). */
export function creationChunkLength(context: UploadContext): number {
  if (!context.sendWithCreation || !Number.isFinite(context.chunkSize)) {
    return 0;
  }
  return Math.max(0, Math.min(context.chunkSize, context.stopAt));
}

/** Where a run stops: `stopAt` clamped to the size. */
export function clampStopAt(context: UploadContext, stopAt: number): number {
  return Math.max(0, Math.min(stopAt, context.size ?? Infinity));
}

/** Where `uploadChunk()` stops: one chunk past the server's offset. */
export function oneChunkMore(context: UploadContext): number {
  return clampStopAt(context, context.offset + context.chunkSize);
}

/**
 * Stats while a chunk is in flight: `sentBytes` of it have gone out from
 * the server's offset (never past the size).
 */
export function statsWhileSending(
  context: UploadContext,
  sentBytes: number,
): StatsData {
  const sent = context.offset + Math.max(0, sentBytes);
  const size = context.source.size ?? Infinity;
  return { ...context.stats, sentBytes: Math.min(sent, size) };
}

/** Stats once the server confirmed `offset`. */
export function statsAt(
  stats: StatsData,
  offset: number,
  totalBytes: number | null = stats.totalBytes,
): StatsData {
  return { ...stats, uploadedBytes: offset, sentBytes: offset, totalBytes };
}

/** The recalled key and URL, from the `recalling` step. */
export function afterRecall(
  output: { key: string; url: string | null },
): Partial<UploadContext> {
  return {
    storageKey: output.key,
    url: output.url,
    urlRecalled: output.url !== null,
    urlStored: output.url !== null,
    recallDone: true,
  };
}

/** What `probing` negotiated. */
export function afterProbe(
  output: { checksum: ChecksumAlgorithm | null; withData: boolean },
): Partial<UploadContext> {
  return {
    checksumAlgorithm: output.checksum,
    sendWithCreation: output.withData,
    probeDone: true,
  };
}

/** The new upload, with what its POST carried. */
export function afterCreation(
  context: UploadContext,
  output: { url: string; offset: number; length: number | null; sent: number },
): Partial<UploadContext> {
  const size = output.length ?? context.size;
  return {
    url: output.url,
    offset: output.offset,
    size,
    lengthDeferred: output.length === null,
    stats: {
      ...statsAt(context.stats, output.offset, size),
      chunksCompleted: context.stats.chunksCompleted +
        (output.sent > 0 ? 1 : 0),
    },
  };
}

/**
 * What a HEAD showed: the server's offset, and its `Upload-Length`, which
 * fixes the length (also of a stream started with deferred length). Any
 * progress restarts the retry budget and the conflict count.
 */
export function afterServerState(
  context: UploadContext,
  state: UploadState,
): Partial<UploadContext> {
  const progressed = state.offset > context.offset;
  const size = state.length ?? context.size;
  const firstLook = context.stats.chunksCompleted === 0 &&
    context.stats.chunksRetried === 0;
  return {
    offset: state.offset,
    size,
    lengthDeferred: state.length === null,
    attempt: progressed ? 0 : context.attempt,
    conflicts: progressed ? 0 : context.conflicts,
    offsetDisputed: false,
    stats: {
      ...statsAt(context.stats, state.offset, size),
      startOffset: firstLook ? state.offset : context.stats.startOffset,
    },
  };
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
 * stays within the bytes sent and the size; anything else is disputed.
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

/**
 * A PATCH answer: an accepted offset moves the upload on and restarts the
 * retry budget; any other answer is a conflict to settle with HEAD.
 */
export function afterChunk(
  context: UploadContext,
  result: ChunkResult,
): Partial<UploadContext> {
  if (!isAcceptedOffset(context, result)) {
    return { offsetDisputed: true, conflicts: context.conflicts + 1 };
  }
  const offset = result.serverOffset ?? context.offset;
  const declared = result.declaredLength;
  const size = declared ?? context.size;
  return {
    offset,
    size,
    lengthDeferred: declared === null && context.lengthDeferred,
    attempt: 0,
    conflicts: 0,
    offsetDisputed: false,
    stats: {
      ...statsAt(context.stats, offset, size),
      chunksCompleted: context.stats.chunksCompleted + 1,
    },
  };
}

/** The counters once a retry is scheduled. */
export function afterRetryScheduled(
  context: UploadContext,
): Partial<UploadContext> {
  return {
    attempt: context.attempt + 1,
    retryWaitMs: retryWait(
      context.retryDelay,
      context.attempt,
      context.failure,
    ),
    stats: {
      ...context.stats,
      chunksRetried: context.stats.chunksRetried + 1,
    },
  };
}

/**
 * The upload gives up on the last failure: it becomes the contract's error
 * (naming the URL), and a chunk that ran out of tries is counted.
 */
export function afterGivingUp(context: UploadContext): Partial<UploadContext> {
  const sending = context.failedStep === "send";
  const error = uploadFailure(context.failure, sending, context.url);
  if (!sending) return { error };
  return {
    error,
    attempt: 0,
    stats: { ...context.stats, chunksFailed: context.stats.chunksFailed + 1 },
  };
}

/** What `onRetry` is told: the failure, the attempt (from 1) and the wait. */
export function retryEventOf(context: UploadContext): RetryEvent {
  return {
    error: uploadFailure(
      context.failure,
      context.failedStep === "send",
      context.url,
    ),
    attempt: context.attempt,
    delayMs: context.retryWaitMs,
  };
}

/** The stored URL is gone: forget it, a new upload starts from zero. */
export function afterForgetting(
  context: UploadContext,
): Partial<UploadContext> {
  return {
    url: null,
    urlRecalled: false,
    urlStored: false,
    announced: false,
    offset: 0,
    size: context.source.size,
    lengthDeferred: context.source.size === null,
    stats: statsAt(context.stats, 0, context.source.size),
  };
}

/** A new URL to store: storage is on, the key known, the URL not yet stored. */
export function needsRemembering(context: UploadContext): boolean {
  return context.recall !== null && context.storageKey !== null &&
    !context.urlStored;
}

/** `onUploadUrlAvailable` is given and not yet told. */
export function needsAnnouncing(context: UploadContext): boolean {
  return context.onUploadUrlAvailable !== null && !context.announced;
}

/** Complete, stored, and `removeFingerprintOnSuccess` asks to forget it. */
export function forgetsOnSuccess(context: UploadContext): boolean {
  return isComplete(context) && context.urlStored &&
    context.recall?.removeOnSuccess === true;
}

/** A URL from storage answered 404 or 410 (outside a PATCH): forget it. */
export function isStaleStoredUrl(context: UploadContext): boolean {
  return context.urlRecalled && context.failedStep !== "send" &&
    isGoneError(context.failure);
}

/** A PATCH answered 409. */
export function isChunkConflict(context: UploadContext): boolean {
  return context.failedStep === "send" && isConflictError(context.failure);
}

/**
 * The failure gets another attempt: a POST only when it never reached the
 * server, preparation steps (fingerprint, storage, OPTIONS) never, any
 * other request by the retry policy, within the budget.
 */
export function mayRetry(context: UploadContext): boolean {
  if (context.failedStep === "prepare") return false;
  return context.failedStep === "create"
    ? canRetryCreation(context, context.failure)
    : canRetry(context, context.failure);
}

/** A PATCH refused with a 4xx that no retry changes. */
export function isRefusedChunk(context: UploadContext): boolean {
  return context.failedStep === "send" && isRefusal(context.failure);
}

/** Conflicts keep coming without progress, and the upload is not complete. */
export function tooManyConflicts(context: UploadContext): boolean {
  return !isComplete(context) && context.conflicts >= MAX_CONFLICTS;
}
