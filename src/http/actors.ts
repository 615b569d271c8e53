/**
 * Bodies of the upload machine's actors: each takes everything through its
 * input and passes the actor's `signal` to fetch, so leaving a state cancels
 * its request.
 *
 * @module
 */
import { TusCommunicationError } from "../errors.ts";
import type { ChunkSource } from "../input/chunk_source.ts";
import type { ChecksumAlgorithm } from "../protocol/checksum.ts";
import { type CreatedUpload, createUpload } from "./create_upload.ts";
import { readUpload, type UploadState } from "./read_upload.ts";
import { type ChunkResult, sendChunk } from "./send_chunk.ts";
import { type Transport, withoutQuery } from "./transport.ts";

/** Input of the `createUpload` actor. */
export interface CreationInput {
  readonly transport: Transport;
  readonly endpoint: string;
  readonly length: number;
  readonly metadata: string | null;
}

/** POST the upload. */
export function runCreation(
  input: CreationInput,
  signal: AbortSignal,
): Promise<CreatedUpload> {
  return createUpload(input.transport, {
    endpoint: input.endpoint,
    length: input.length,
    metadata: input.metadata,
    signal,
  });
}

/** Input of the `readOffset` actor. */
export interface OffsetInput {
  readonly transport: Transport;
  readonly url: string;
  /** The size the source has: the server's length must match it. */
  readonly size: number;
}

/**
 * HEAD the upload and check it is the one the source belongs to.
 *
 * @throws {TusCommunicationError} when the server's length differs from
 * the source size, or its offset is past it.
 */
export async function runOffsetRead(
  input: OffsetInput,
  signal: AbortSignal,
): Promise<UploadState> {
  const state = await readUpload(input.transport, input.url, signal);
  const where = `HEAD ${withoutQuery(input.url)}`;
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
  return state;
}

/** Input of the `sendChunk` actor. */
export interface ChunkInput {
  readonly transport: Transport;
  readonly source: ChunkSource;
  readonly url: string;
  readonly offset: number;
  readonly length: number;
  readonly checksum: ChecksumAlgorithm | null;
}

/** Read one chunk from the source and PATCH it. */
export async function runChunk(
  input: ChunkInput,
  signal: AbortSignal,
): Promise<ChunkResult> {
  const bytes = await input.source.read(input.offset, input.length);
  return await sendChunk(input.transport, {
    url: input.url,
    offset: input.offset,
    bytes,
    checksum: input.checksum,
    signal,
  });
}
