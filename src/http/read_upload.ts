/**
 * HEAD: what the server holds of an upload.
 *
 * @module
 */
import { TUS_VERSION } from "../protocol/headers.ts";
import { TusCommunicationError } from "../errors.ts";
import { decodeMetadata } from "../protocol/metadata.ts";
import { parseHttpDate } from "../protocol/http_date.ts";
import { parseStrictInteger } from "../protocol/strict_integer.ts";
import { sendTusRequest, type Transport, withoutQuery } from "./transport.ts";

/** The server's view of one upload. */
export interface UploadState {
  /** Bytes the server holds (`Upload-Offset`). */
  readonly offset: number;
  /** `null` while the length is deferred. */
  readonly length: number | null;
  /** The decoded `Upload-Metadata`. */
  readonly metadata: Record<string, string>;
  /** When the server will drop the upload (`Upload-Expires`), if it says. */
  readonly expiresAt: Date | null;
  /**
   * The server counts the upload as complete (the draft's
   * `Upload-Complete`); absent or `null` where the protocol does not say:
   * complete then means `offset === length`.
   */
  readonly complete?: boolean | null;
}

/**
 * Reads an upload's offset, length, metadata and expiry with HEAD.
 *
 * @throws {TusCommunicationError} on failure, and when `Upload-Offset` is
 * missing, malformed or past `Upload-Length`.
 */
export async function readUpload(
  transport: Transport,
  url: string,
  signal?: AbortSignal,
): Promise<UploadState> {
  const response = await sendTusRequest(transport, {
    method: "HEAD",
    url,
    action: "read upload offset",
    signal,
    headers: { "Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store" },
  });
  const headers = response.headers;
  const offset = parseStrictInteger(headers.get("Upload-Offset"));
  const length = parseStrictInteger(headers.get("Upload-Length"));
  const problem = offset === null
    ? "Upload-Offset is missing or not a number"
    : length !== null && offset > length
    ? "Upload-Offset is past Upload-Length"
    : null;
  if (problem !== null || offset === null) {
    throw new TusCommunicationError(
      `Cannot read upload offset: ${problem} (HEAD ${withoutQuery(url)})`,
      { statusCode: response.status },
    );
  }
  const expires = headers.get("Upload-Expires");
  const expiresMs = expires === null ? null : parseHttpDate(expires);
  const expiresAt = expiresMs === null ? null : new Date(expiresMs);
  return {
    offset,
    length,
    metadata: decodeMetadata(headers.get("Upload-Metadata")),
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime())
      ? expiresAt
      : null,
  };
}
