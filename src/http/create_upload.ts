/**
 * POST: the creation extension, with or without a first chunk.
 *
 * @module
 */
import {
  errorDetails,
  TusCommunicationError,
  TusUploadFailed,
} from "../errors.ts";
import { OFFSET_OCTET_STREAM, TUS_VERSION } from "../protocol/headers.ts";
import { parseStrictInteger } from "../protocol/strict_integer.ts";
import { sendTusRequest, type Transport, withoutQuery } from "./transport.ts";
import { resolveLocation } from "./upload_url.ts";

/** What creating an upload needs. */
export interface CreateUploadRequest {
  /** The creation endpoint (the client's URL). */
  readonly endpoint: string;
  /** Total size, or `null` to defer it (`Upload-Defer-Length: 1`). */
  readonly length: number | null;
  /** The encoded `Upload-Metadata` value, if any. */
  readonly metadata: string | null;
  /** Extra headers such as `Upload-Concat`. */
  readonly headers?: Record<string, string>;
  /** A first chunk to send with the POST (creation-with-upload). */
  readonly body?: Uint8Array;
  /** The body is the whole content (the draft's `Upload-Complete: ?1`). */
  readonly complete?: boolean;
  /** Aborts the request. */
  readonly signal?: AbortSignal;
  /** Told the bytes of `body` handed to the connection so far. */
  readonly onSent?: (sentBytes: number) => void;
}

/** The new upload. */
export interface CreatedUpload {
  /** Absolute URL of the upload, resolved against the endpoint. */
  readonly url: string;
  /** The server's offset after the POST (0 when no body was sent). */
  readonly offset: number;
}

/**
 * Creates an upload with POST and resolves its `Location`.
 *
 * @throws {TusCommunicationError} when the request fails or `Location` is
 * missing; {@linkcode TusUploadFailed} instead when the POST carried data.
 */
export async function createUpload(
  transport: Transport,
  request: CreateUploadRequest,
): Promise<CreatedUpload> {
  const headers: Record<string, string> = {
    "Tus-Resumable": TUS_VERSION,
    ...request.headers,
  };
  if (request.length === null) headers["Upload-Defer-Length"] = "1";
  else headers["Upload-Length"] = String(request.length);
  if (request.metadata !== null) headers["Upload-Metadata"] = request.metadata;
  const withData = request.body !== undefined;
  if (withData) headers["Content-Type"] = OFFSET_OCTET_STREAM;
  const action = "create upload";
  let response;
  try {
    response = await sendTusRequest(transport, {
      method: "POST",
      url: request.endpoint,
      action,
      headers,
      body: request.body,
      signal: request.signal,
      onSent: request.onSent,
    });
  } catch (error) {
    throw withData ? asUploadFailed(error) : error;
  }
  const location = response.headers.get("Location");
  const ErrorClass = withData ? TusUploadFailed : TusCommunicationError;
  const where = `POST ${withoutQuery(request.endpoint)}`;
  if (!location) {
    throw new ErrorClass(
      `Cannot ${action}: server answered ${response.status} without a Location header (${where})`,
      { statusCode: response.status },
    );
  }
  const url = withData
    ? relabelled(() => resolveLocation(location, request.endpoint))
    : resolveLocation(location, request.endpoint);
  if (!withData) return { url, offset: 0 };
  const offset = parseStrictInteger(response.headers.get("Upload-Offset"));
  // A server that ignored the body or sent no valid offset: ask with HEAD
  // later rather than guess; 0 is always safe to resend from.
  const sent = request.body?.length ?? 0;
  return { url, offset: offset !== null && offset <= sent ? offset : 0 };
}

function relabelled<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw asUploadFailed(error);
  }
}

/** Re-labels a failure of a request that carried bytes as an upload failure. */
export function asUploadFailed(error: unknown): unknown {
  if (!(error instanceof TusCommunicationError)) return error;
  if (error instanceof TusUploadFailed) return error;
  return new TusUploadFailed(error.message, errorDetails(error));
}
