/**
 * Bodies of the upload machine's actors: each takes everything through its
 * input and passes the actor's `signal` to fetch, so leaving a state cancels
 * its request.
 *
 * @module
 */
import { TusCommunicationError } from "../errors.ts";
import type { ChunkSource } from "../input/chunk_source.ts";
import type { ChunkPrefetcher } from "../input/chunk_prefetch.ts";
import type { ChecksumAlgorithm } from "../protocol/checksum.ts";
import { assertNoDowngrade } from "./upload_url.ts";
import type { CreatedUpload } from "./create_upload.ts";
import type { ProtocolAdapter } from "./protocol.ts";
import type { UploadState } from "./read_upload.ts";
import type { ChunkResult } from "./send_chunk.ts";
import { type Transport, withoutQuery } from "./transport.ts";

/** Input of the `createUpload` actor. */
export interface CreationInput {
  readonly transport: Transport;
  /** The protocol spoken. */
  readonly protocol: ProtocolAdapter;
  readonly source: ChunkSource;
  readonly endpoint: string;
  readonly metadata: string | null;
  readonly headers: Record<string, string>;
  /** Bytes to send with the POST (creation-with-upload); 0 for none. */
  readonly firstChunk: number;
  /** Told the bytes of the first chunk handed to the connection so far. */
  readonly onSent?: (sentBytes: number) => void;
}

/** What creation produced. */
export interface CreationResult extends CreatedUpload {
  /** The length declared in the POST; `null` when deferred. */
  readonly length: number | null;
  /** Bytes sent with the POST. */
  readonly sent: number;
}

/** POST the upload, with its first chunk when asked. */
export async function runCreation(
  input: CreationInput,
  signal: AbortSignal,
): Promise<CreationResult> {
  const { protocol, source } = input;
  const first = input.firstChunk > 0
    ? protocol.appendLength(input.endpoint, input.firstChunk, 0, source.size)
    : 0;
  const body = first > 0 ? await source.read(0, first) : undefined;
  // Reading the first chunk may reach a stream's end: declare the length.
  const length = source.size;
  const created = await protocol.createUpload(input.transport, {
    endpoint: input.endpoint,
    length,
    metadata: input.metadata,
    headers: input.headers,
    body,
    complete: length !== null && (body?.length ?? 0) === length,
    signal,
    onSent: body === undefined ? undefined : input.onSent,
  });
  return { ...created, length, sent: body?.length ?? 0 };
}

/** Input of the `readOffset` actor. */
export interface OffsetInput {
  readonly transport: Transport;
  /** The protocol spoken. */
  readonly protocol: ProtocolAdapter;
  readonly url: string;
  /** The endpoint: an upload URL may not downgrade it to `http:`. */
  readonly endpoint: string | null;
  /** The size the source has (`null`: unknown): the server's length must match it. */
  readonly size: number | null;
}

/**
 * HEAD the upload and check it is the one the source belongs to.
 *
 * @throws {TusCommunicationError} when the URL downgrades the endpoint's
 * `https:` (before any request), when the server's length differs from the
 * source size, or its offset is past it.
 */
export async function runOffsetRead(
  input: OffsetInput,
  signal: AbortSignal,
): Promise<UploadState> {
  assertNoDowngrade(input.url, input.endpoint);
  const state = await input.protocol.readUpload(
    input.transport,
    input.url,
    signal,
  );
  const where = `HEAD ${withoutQuery(input.url)}`;
  if (input.size === null) return state;
  if (state.length !== null && state.length !== input.size) {
    throw new TusCommunicationError(
      `Cannot resume upload: the server's Upload-Length ${state.length} differs from the source size ${input.size} (${where})`,
    );
  }
  if (state.offset > input.size) {
    throw new TusCommunicationError(
      `Cannot resume upload: the server's Upload-Offset ${state.offset} is past the source size ${input.size} (${where})`,
    );
  }
  return await completed(input, state, signal);
}

/**
 * A server that holds every byte but does not count the upload as complete
 * (the last append was cut after its bytes were stored) is told, with an
 * empty completing append, so that "every byte there" means complete.
 */
async function completed(
  input: OffsetInput,
  state: UploadState,
  signal: AbortSignal,
): Promise<UploadState> {
  if (state.complete !== false || state.offset !== state.length) return state;
  await input.protocol.sendChunk(input.transport, {
    url: input.url,
    offset: state.offset,
    bytes: new Uint8Array(0),
    length: 0,
    checksum: null,
    complete: true,
    signal,
  });
  return { ...state, complete: true };
}

/** Input of the `sendChunk` actor. */
export interface ChunkInput {
  readonly transport: Transport;
  /** The protocol spoken. */
  readonly protocol: ProtocolAdapter;
  readonly source: ChunkSource;
  readonly url: string;
  readonly offset: number;
  readonly length: number;
  /** Bytes of the chunk after this one, to prepare meanwhile (0: none). */
  readonly nextLength: number;
  readonly prefetcher: ChunkPrefetcher;
  /** The `Upload-Checksum` algorithm, or `null` for none. */
  readonly checksum: ChecksumAlgorithm | null;
  /** Send the rest as one streamed body instead of a buffered chunk. */
  readonly streaming: boolean;
  /** The server still waits for `Upload-Length`. */
  readonly lengthDeferred: boolean;
  /** Told the bytes of the chunk handed to the connection so far. */
  readonly onSent?: (sentBytes: number) => void;
}

/** Read one chunk from the source (or stream the rest) and PATCH it. */
export async function runChunk(
  input: ChunkInput,
  signal: AbortSignal,
): Promise<ChunkResult> {
  const { source, offset, protocol } = input;
  // The server's limits may shrink or grow the machine's chunk.
  const length = protocol.appendLength(
    input.url,
    input.length,
    offset,
    source.size,
  );
  const nextLength = length === input.length || input.nextLength === 0
    ? input.nextLength
    : protocol.appendLength(
      input.url,
      input.length,
      offset + length,
      source.size,
    );
  // A streamed body is never held in memory, so no digest can precede it.
  const stream = input.streaming
    ? source.stream?.(offset, offset + length)
    : undefined;
  const prepared = stream
    ? { bytes: stream, checksum: null }
    : await input.prefetcher.take(
      offset,
      length,
      nextLength,
      input.checksum,
    );
  const sent = stream ? length : (prepared.bytes as Uint8Array).length;
  const known = source.size;
  return await protocol.sendChunk(input.transport, {
    url: input.url,
    offset,
    bytes: prepared.bytes,
    length: sent,
    checksum: prepared.checksum,
    declareLength: input.lengthDeferred && known !== null ? known : undefined,
    complete: known !== null && offset + sent === known,
    signal,
    onSent: input.onSent,
  });
}
