/**
 * The adapter for draft-ietf-httpbis-resumable-upload, as settings build
 * it: a small stand-in that loads the real one (`draft_adapter.ts`) with
 * its first request, so that the code of the draft (and its structured
 * field parser) is a chunk of its own in a bundle, fetched only by clients
 * that speak the draft.
 *
 * @module
 */
import type { CreateUploadRequest } from "../http/create_upload.ts";
import type { ProtocolAdapter } from "../http/protocol.ts";
import type { ChunkRequest } from "../http/send_chunk.ts";
import type { Transport } from "../http/transport.ts";
import type { InterimFetch } from "../runtime/interim_fetch.ts";

/** Options of {@linkcode ietfDraftAdapter}. */
export interface DraftAdapterOptions {
  /**
   * Sends requests that may see interim responses (`interimFetch()`), or
   * `null` where 104s cannot be seen: creations are then careful (empty).
   */
  readonly interim: InterimFetch | null;
}

/**
 * An adapter for the resumable-upload draft. Each client gets its own: it
 * remembers the limits the server announced (OPTIONS, creations, appends,
 * offset retrievals) to size the next requests within them.
 *
 * Where 104s can be seen, a creation carries the first chunk and the
 * upload's URL is taken from the 104's `Location`, so a creation cut short
 * resumes; elsewhere a creation is careful: an empty POST with
 * `Upload-Complete: ?0`, then appends.
 *
 * The protocol code loads with the first request. Until then no limit is
 * known (limits come only with answers), so `appendLength` is the wanted
 * length within the upload's size, as the loaded adapter answers too.
 *
 * @param options Whether interim responses can be seen.
 * @returns The adapter.
 * @example
 * ```ts
 * import { ietfDraftAdapter } from "./adapter.ts";
 * const adapter = ietfDraftAdapter({ interim: null });
 * console.log(adapter.name, adapter.concatenation); // "ietf-draft" false
 * ```
 */
export function ietfDraftAdapter(
  options: DraftAdapterOptions,
): ProtocolAdapter {
  let loaded: ProtocolAdapter | undefined;
  const load = async () =>
    loaded ??= (await import("./draft_adapter.ts")).draftAdapter(options);
  return Object.freeze({
    name: "ietf-draft" as const,
    concatenation: false,
    dataWithCreation: () => options.interim !== null,
    appendLength: (
      url: string,
      wanted: number,
      offset: number,
      size: number | null,
    ) =>
      loaded
        ? loaded.appendLength(url, wanted, offset, size)
        : size === null
        ? wanted
        : Math.min(wanted, size - offset),
    createUpload: async (transport: Transport, request: CreateUploadRequest) =>
      (await load()).createUpload(transport, request),
    sendChunk: async (transport: Transport, chunk: ChunkRequest) =>
      (await load()).sendChunk(transport, chunk),
    readUpload: async (
      transport: Transport,
      url: string,
      signal?: AbortSignal,
    ) => (await load()).readUpload(transport, url, signal),
    deleteUpload: async (
      transport: Transport,
      url: string,
      signal?: AbortSignal,
    ) => (await load()).deleteUpload(transport, url, signal),
    readServerInfo: async (
      transport: Transport,
      endpoint: string,
      signal?: AbortSignal,
    ) => (await load()).readServerInfo(transport, endpoint, signal),
  });
}
