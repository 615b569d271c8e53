/**
 * The protocol an upload speaks, behind one interface: the upload machine's
 * steps (create, append, read the offset, cancel, ask the server's options)
 * become requests, and answers become the same typed results whichever
 * protocol it is. {@linkcode tusAdapter} speaks tus 1.0.0; the IETF draft's
 * adapter lives in `src/ietf/adapter.ts`.
 *
 * @module
 */
import { type CreatedUpload, createUpload } from "./create_upload.ts";
import type { CreateUploadRequest } from "./create_upload.ts";
import { deleteUpload } from "./delete_upload.ts";
import { readUpload, type UploadState } from "./read_upload.ts";
import {
  type ChunkRequest,
  type ChunkResult,
  sendChunk,
} from "./send_chunk.ts";
import { readServerInfo, type ServerInfo } from "./server_options.ts";
import type { Transport } from "./transport.ts";

/** The protocols a client can speak. */
export type ProtocolName = "tus-v1" | "ietf-draft";

/** Turns the upload's steps into requests of one protocol. */
export interface ProtocolAdapter {
  /** Which protocol this is. */
  readonly name: ProtocolName;
  /** Whether several partial uploads can be joined into one (tus concatenation). */
  readonly concatenation: boolean;
  /**
   * Whether the creation request carries the first chunk, given the
   * server's options (`null` when unknown) and the user's wish.
   */
  dataWithCreation(info: ServerInfo | null, wanted: boolean): boolean;
  /**
   * Bytes the next creation or append to `url` should carry, for `wanted`
   * (the machine's chunk) at `offset` of an upload of `size` bytes (`null`:
   * unknown). The server's limits may shrink or grow it.
   */
  appendLength(
    url: string,
    wanted: number,
    offset: number,
    size: number | null,
  ): number;
  /** Creates an upload (with its first bytes when `request.body` is set). */
  createUpload(
    transport: Transport,
    request: CreateUploadRequest,
  ): Promise<CreatedUpload>;
  /** Sends one chunk at its offset. */
  sendChunk(transport: Transport, chunk: ChunkRequest): Promise<ChunkResult>;
  /** What the server holds of an upload. */
  readUpload(
    transport: Transport,
    url: string,
    signal?: AbortSignal,
  ): Promise<UploadState>;
  /** Cancels an upload; one already gone counts as deleted. */
  deleteUpload(
    transport: Transport,
    url: string,
    signal?: AbortSignal,
  ): Promise<void>;
  /** The server's capabilities and limits. */
  readServerInfo(
    transport: Transport,
    endpoint: string,
    signal?: AbortSignal,
  ): Promise<ServerInfo>;
}

/**
 * tus 1.0.0 with its creation, creation-with-upload, creation-defer-length,
 * termination, checksum and concatenation extensions.
 *
 * @example Reading an upload's offset
 * ```ts ignore
 * import { tusAdapter } from "./protocol.ts";
 *
 * const state = await tusAdapter.readUpload(transport, uploadUrl);
 * console.log(state.offset, state.length);
 * ```
 */
export const tusAdapter: ProtocolAdapter = Object.freeze({
  name: "tus-v1" as const,
  concatenation: true,
  dataWithCreation: (info: ServerInfo | null, wanted: boolean) =>
    wanted && (info?.extensions.includes("creation-with-upload") ?? false),
  appendLength: (_url: string, wanted: number) => wanted,
  createUpload,
  sendChunk,
  readUpload,
  deleteUpload,
  readServerInfo,
});
