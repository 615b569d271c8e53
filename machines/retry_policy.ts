/**
 * Which failures are worth another attempt, and how long to wait: one
 * policy for chunks, HEADs, deletions and the rare POST that may be re-sent.
 *
 * @module
 */
import { TusCommunicationError } from "../src/errors.ts";
import { neverReachedServer } from "../src/runtime/network_cause.ts";
import { CHECKSUM_MISMATCH } from "../src/protocol/headers.ts";
import type { ShouldRetry } from "./upload_types.ts";

/** Longest wait between two attempts, in ms. */
export const MAX_RETRY_DELAY = 60_000;

/** Statuses worth another attempt besides 5xx and network errors. */
const RETRYABLE_STATUSES = new Set([423, 429, CHECKSUM_MISMATCH]);

/** What the policy needs to know of an upload or a request. */
export interface RetryBudget {
  /** Retries already used. */
  readonly attempt: number;
  /** Retries allowed. */
  readonly maxRetries: number;
  /** Overrides the built-in decision (still bounded by `maxRetries`). */
  readonly shouldRetry: ShouldRetry | null;
}

/** The server answered 409: the offsets disagree. */
export function isConflictError(error: unknown): boolean {
  return error instanceof TusCommunicationError && error.statusCode === 409;
}

/** The server answered 460: the chunk arrived corrupted, none of it stored. */
export function isChecksumMismatch(error: unknown): boolean {
  return error instanceof TusCommunicationError &&
    error.statusCode === CHECKSUM_MISMATCH;
}

/** The upload is gone from the server (404 Not Found, 410 Gone). */
export function isGoneError(error: unknown): boolean {
  return error instanceof TusCommunicationError &&
    (error.statusCode === 404 || error.statusCode === 410);
}

/**
 * Network errors, timeouts, 5xx, 423, 429 and 460 are worth a retry. An
 * error with neither a status nor a cause is the client's own finding (a
 * URL that downgrades to `http:`, a length that differs from the source's),
 * which no retry changes.
 */
export function isRetryableError(error: TusCommunicationError): boolean {
  const status = error.statusCode;
  if (status === null) return error.cause !== undefined;
  return status >= 500 || RETRYABLE_STATUSES.has(status);
}

/** A 4xx that no retry can change (not 409, 423, 429 or 460). */
export function isRefusal(error: unknown): boolean {
  if (!(error instanceof TusCommunicationError)) return false;
  const status = error.statusCode;
  return status !== null && status >= 400 && status < 500 &&
    status !== 409 && !RETRYABLE_STATUSES.has(status);
}

/** Whether the failure gets another attempt within the budget. */
export function canRetry(budget: RetryBudget, error: unknown): boolean {
  if (!(error instanceof TusCommunicationError)) return false;
  if (budget.attempt >= budget.maxRetries) return false;
  return budget.shouldRetry
    ? budget.shouldRetry(error, budget.attempt + 1)
    : isRetryableError(error);
}

/**
 * Whether a failed POST may be sent again: only when it provably never
 * reached the server, since each blind retry could leave an orphan upload.
 */
export function canRetryCreation(budget: RetryBudget, error: unknown): boolean {
  return error instanceof TusCommunicationError && error.statusCode === null &&
    neverReachedServer(error.cause) && canRetry(budget, error);
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
