/**
 * The two error classes every tusflow operation rejects with.
 *
 * @module
 */

/** Details attached to a {@linkcode TusCommunicationError}. */
export interface TusErrorDetails {
  /** The HTTP status of the response, or `null` when there was none. */
  statusCode?: number | null;
  /** The response body, when one was read. */
  responseContent?: Uint8Array | null;
  /** The underlying error (network failure, abort reason, …). */
  cause?: unknown;
  /** How long the server's `Retry-After` asked to wait, in ms. */
  retryAfterMs?: number | null;
  /** The URL of the upload the failure belongs to, once one exists. */
  uploadUrl?: string | null;
  /** The parts of a parallel upload that exist on the server. */
  partUrls?: readonly string[];
}

/**
 * A request to the tus server failed: a network error, a timeout, an
 * unexpected status code or a response that breaks the protocol.
 *
 * @example Telling a server answer from a network failure
 * ```ts
 * import { TusCommunicationError } from "@tusflow/client";
 *
 * const error = new TusCommunicationError("Cannot read offset: server answered 404", {
 *   statusCode: 404,
 * });
 * console.log(error.statusCode); // 404
 * ```
 */
export class TusCommunicationError extends Error {
  /** The HTTP status of the response, or `null` when there was none. */
  readonly statusCode: number | null;
  /** The response body, when one was read. */
  readonly responseContent: Uint8Array | null;
  /** The wait the server asked for with `Retry-After`, in ms, if any. */
  readonly retryAfterMs: number | null;
  /**
   * The URL of the upload this failure belongs to (created, given or found
   * in storage), or `null` when none existed yet: pass it to
   * `resumeUpload({ uploadUrl })` to continue.
   */
  readonly uploadUrl: string | null;
  /**
   * For a parallel upload: the URLs of the partial uploads that exist on
   * the server (to delete them, or to find them again with `storeUrl`);
   * empty otherwise.
   */
  readonly partUrls: readonly string[];

  /**
   * Creates the error.
   *
   * @param message What failed, in the form "Cannot <action>: <what happened>".
   * @param details Status code, response body and cause.
   */
  constructor(message: string, details: TusErrorDetails = {}) {
    super(message, "cause" in details ? { cause: details.cause } : undefined);
    this.name = "TusCommunicationError";
    this.statusCode = details.statusCode ?? null;
    this.responseContent = details.responseContent ?? null;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.uploadUrl = details.uploadUrl ?? null;
    this.partUrls = Object.freeze([...(details.partUrls ?? [])]);
  }
}

/**
 * Sending bytes failed: a chunk failed after all its retries, or the upload
 * was aborted. What the server already holds stays there: the upload can be
 * resumed from its URL.
 *
 * @example Resuming after a failure
 * ```ts
 * import { TusUploadFailed } from "@tusflow/client";
 *
 * const error = new TusUploadFailed("Cannot send chunk at offset 0: server answered 500", {
 *   statusCode: 500,
 * });
 * console.log(error instanceof Error, error.name); // true "TusUploadFailed"
 * ```
 */
export class TusUploadFailed extends TusCommunicationError {
  /**
   * Creates the error.
   *
   * @param message What failed, in the form "Cannot <action>: <what happened>".
   * @param details Status code, response body and cause.
   */
  constructor(message: string, details: TusErrorDetails = {}) {
    super(message, details);
    this.name = "TusUploadFailed";
  }
}

/** The details of `error`, to build another error of the same kind from it. */
export function errorDetails(error: TusCommunicationError): TusErrorDetails {
  return {
    statusCode: error.statusCode,
    responseContent: error.responseContent,
    retryAfterMs: error.retryAfterMs,
    uploadUrl: error.uploadUrl,
    partUrls: error.partUrls,
    cause: error.cause,
  };
}

/**
 * `error` with `uploadUrl` set, as the same class (`error` itself when it
 * already names that URL, or when there is no URL to name).
 */
export function withUploadUrl<T extends TusCommunicationError>(
  error: T,
  uploadUrl: string | null,
): T {
  if (error.uploadUrl === uploadUrl || uploadUrl === null) return error;
  const Class = error.constructor as new (
    message: string,
    details: TusErrorDetails,
  ) => T;
  return new Class(error.message, { ...errorDetails(error), uploadUrl });
}

/** `error` with `partUrls` set, as the same class. */
export function withPartUrls<T extends TusCommunicationError>(
  error: T,
  partUrls: readonly string[],
): T {
  const Class = error.constructor as new (
    message: string,
    details: TusErrorDetails,
  ) => T;
  return new Class(error.message, { ...errorDetails(error), partUrls });
}
