/**
 * The errors an upload ends with: always one of the contract's two classes,
 * always naming the upload's URL once one exists.
 *
 * @module
 */
import {
  errorDetails,
  TusCommunicationError,
  TusUploadFailed,
  withUploadUrl,
} from "../src/errors.ts";
import { withoutQuery } from "../src/http/transport.ts";

/** What the failure messages need of the upload. */
interface Where {
  readonly url: string | null;
  readonly offset: number;
  readonly conflicts?: number;
}

/**
 * The error a failure is stored as. Failures while sending bytes become
 * {@linkcode TusUploadFailed}; a plain `Error` (a file that changed, a
 * storage that failed) is wrapped so callers always get the contract's
 * classes; every one carries `uploadUrl`.
 */
export function uploadFailure(
  error: unknown,
  whileSending: boolean,
  url: string | null,
): TusCommunicationError {
  return withUploadUrl(asContractError(error, whileSending), url);
}

function asContractError(
  error: unknown,
  whileSending: boolean,
): TusCommunicationError {
  if (error instanceof TusUploadFailed) return error;
  if (error instanceof TusCommunicationError) {
    if (!whileSending) return error;
    return new TusUploadFailed(error.message, errorDetails(error));
  }
  const Class = whileSending ? TusUploadFailed : TusCommunicationError;
  const message = error instanceof Error ? error.message : String(error);
  return new Class(
    message.startsWith("Cannot ") ? message : `Cannot upload: ${message}`,
    { cause: error },
  );
}

/** The error an aborted upload rejects with. */
export function abortFailure(where: Where, reason: unknown): TusUploadFailed {
  const at = where.url ? ` (${withoutQuery(where.url)})` : "";
  return new TusUploadFailed(
    `Cannot upload: aborted at offset ${where.offset}${at}`,
    { cause: reason, uploadUrl: where.url },
  );
}

/** The error for conflicts that keep coming without progress. */
export function conflictFailure(where: Where): TusUploadFailed {
  return new TusUploadFailed(
    `Cannot send chunk at offset ${where.offset}: ${where.conflicts} offset conflicts in a row without progress (${
      withoutQuery(where.url ?? "")
    })`,
    { statusCode: 409, uploadUrl: where.url },
  );
}
