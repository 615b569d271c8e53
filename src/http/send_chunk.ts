/**
 * PATCH: one chunk of bytes at an offset.
 *
 * @module
 */
import { OFFSET_OCTET_STREAM, TUS_VERSION } from "../protocol/headers.ts";
import { parseStrictInteger } from "../protocol/strict_integer.ts";
import { sendTusRequest, type Transport } from "./transport.ts";

/** One PATCH. */
export interface ChunkRequest {
  readonly url: string;
  readonly offset: number;
  /** The bytes, or a stream of `length` bytes (sent without a checksum). */
  readonly bytes: Uint8Array | ReadableStream<Uint8Array>;
  /** Byte count of a streamed body. */
  readonly length: number;
  /** The `Upload-Checksum` value, computed beforehand; `null` for none. */
  readonly checksum: string | null;
  /** Sent as `Upload-Length` when a deferred length becomes known. */
  readonly declareLength?: number;
  /** These bytes end the upload (the draft's `Upload-Complete: ?1`). */
  readonly complete?: boolean;
  readonly signal?: AbortSignal;
  /**
   * Called with the bytes handed to the connection so far, at most every
   * 100 ms and once more when all are handed over.
   */
  readonly onSent?: (sentBytes: number) => void;
}

/** What the server answered to a PATCH. */
export interface ChunkResult {
  /** The server's new offset; `null` when the header was missing or malformed. */
  readonly serverOffset: number | null;
  /** How many bytes were sent. */
  readonly sent: number;
  /** The `Upload-Length` this PATCH declared, if any. */
  readonly declaredLength: number | null;
}

/**
 * Sends `bytes` at `offset`.
 *
 * @throws {TusCommunicationError} on failure (the caller decides on retries
 * and relabels it as an upload failure).
 */
export async function sendChunk(
  transport: Transport,
  chunk: ChunkRequest,
): Promise<ChunkResult> {
  const headers: Record<string, string> = {
    "Tus-Resumable": TUS_VERSION,
    "Content-Type": OFFSET_OCTET_STREAM,
    "Upload-Offset": String(chunk.offset),
  };
  if (chunk.checksum !== null) headers["Upload-Checksum"] = chunk.checksum;
  if (chunk.declareLength !== undefined) {
    headers["Upload-Length"] = String(chunk.declareLength);
  }
  const response = await sendTusRequest(transport, {
    method: "PATCH",
    url: chunk.url,
    action: `send chunk at offset ${chunk.offset}`,
    headers,
    body: chunk.bytes,
    bodyLength: chunk.length,
    signal: chunk.signal,
    onSent: chunk.onSent,
  });
  return {
    serverOffset: parseStrictInteger(response.headers.get("Upload-Offset")),
    sent: chunk.length,
    declaredLength: chunk.declareLength ?? null,
  };
}
