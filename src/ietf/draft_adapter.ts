/**
 * The upload machine's steps spoken as draft-ietf-httpbis-resumable-upload
 * (interop version 9): creation with `Upload-Complete`, appends of
 * `application/partial-upload`, offset retrieval, cancellation and OPTIONS
 * with `Upload-Limit`. Answers become the same typed results as tus ones.
 * Loaded by `ietfDraftAdapter` (`adapter.ts`) on its first
 * request, so that a bundle speaking only tus 1.0.0 carries none of it.
 *
 * @module
 */
import { TusCommunicationError, withUploadUrl } from "../errors.ts";
import { asUploadFailed, type CreatedUpload } from "../http/create_upload.ts";
import type { CreateUploadRequest } from "../http/create_upload.ts";
import type { ProtocolAdapter } from "../http/protocol.ts";
import type { UploadState } from "../http/read_upload.ts";
import type { ChunkRequest, ChunkResult } from "../http/send_chunk.ts";
import type { ServerInfo } from "../http/server_options.ts";
import {
  sendTusRequest,
  type Transport,
  type TusRequest,
  type TusResponse,
  withoutQuery,
} from "../http/transport.ts";
import { resolveLocation } from "../http/upload_url.ts";
import {
  appendSizeWithin,
  parseUploadLimit,
  type UploadLimit,
} from "../protocol/upload_limit.ts";
import type {
  InterimFetch,
  InterimResponse,
} from "../runtime/interim_fetch.ts";
import type { DraftAdapterOptions } from "./adapter.ts";
import { DRAFT_HEADERS } from "./headers.ts";
import {
  appendRequest,
  cancelRequest,
  creationRequest,
  offsetRequest,
  optionsRequest,
} from "./requests.ts";
import { readInterim, readUploadState } from "./responses.ts";

/** Upload resources whose limits are remembered, at most. */
const MAX_REMEMBERED = 256;

/**
 * Deno's HTTP client (behind its fetch and its `node:http`) sends a request
 * again by itself when a reused keep-alive connection is reset while the
 * body is going out: an append then arrives a second time at an offset
 * that is no longer the server's. Closing each connection after its request
 * keeps every request on a fresh one, which is never re-sent.
 */
const REUSE_REPLAYS = "Deno" in globalThis;

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
 * @param options Whether interim responses can be seen.
 * @returns The adapter.
 * @example
 * ```ts
 * import { draftAdapter } from "./draft_adapter.ts";
 * const adapter = draftAdapter({ interim: null });
 * console.log(adapter.name, adapter.concatenation); // "ietf-draft" false
 * ```
 */
export function draftAdapter(
  options: DraftAdapterOptions,
): ProtocolAdapter {
  const { interim } = options;
  let serverLimit: UploadLimit | null = null;
  const uploadLimits = new Map<string, UploadLimit>();

  function remember(url: string, limit: UploadLimit | null): void {
    if (limit === null) return;
    uploadLimits.delete(url);
    uploadLimits.set(url, limit);
    if (uploadLimits.size > MAX_REMEMBERED) {
      uploadLimits.delete(uploadLimits.keys().next().value as string);
    }
  }

  /**
   * Every request goes through `interim` when there is one: it sees 104s,
   * and unlike Deno's fetch it never re-sends an append on its own after a
   * connection reset (an append at a stale offset breaks a MUST).
   */
  function via(
    transport: Transport,
    onInterim: (response: InterimResponse) => void = () => {},
  ): Transport {
    return interim === null
      ? transport
      : interimTransport(transport, interim, onInterim);
  }

  function limitOf(url: string): UploadLimit | null {
    return uploadLimits.get(url) ?? serverLimit;
  }

  function appendLength(
    url: string,
    wanted: number,
    offset: number,
    size: number | null,
  ): number {
    const within = appendSizeWithin(wanted, limitOf(url));
    // The request that completes the upload is exempt from min-append-size.
    return size === null ? within : Math.min(within, size - offset);
  }

  async function createUpload(
    transport: Transport,
    request: CreateUploadRequest,
  ): Promise<CreatedUpload> {
    const { endpoint, length, body, signal } = request;
    const where = `POST ${withoutQuery(endpoint)}`;
    const maxSize = serverLimit?.maxSize ?? null;
    if (maxSize !== null && length !== null && length > maxSize) {
      throw new TusCommunicationError(
        `Cannot create upload: its ${length} bytes exceed the server's max-size of ${maxSize} bytes (${where})`,
      );
    }
    const complete = request.complete === true;
    const headers = {
      ...request.headers,
      ...creationRequest({ complete, length }).headers,
    };
    let announced: string | null = null;
    const onInterim = (response: InterimResponse) => {
      const info = readInterim(response.status, response.headers, endpoint);
      if (info === null) return;
      if (info.location !== null) announced ??= info.location;
      if (announced !== null) remember(announced, info.limit);
    };
    let response: TusResponse;
    try {
      response = await sendTusRequest(via(transport, onInterim), {
        method: "POST",
        url: endpoint,
        action: "create upload",
        headers,
        body,
        signal,
        onSent: request.onSent,
        acceptStatus: [413],
      });
    } catch (error) {
      if (announced === null || body === undefined) {
        throw body === undefined ? error : asUploadFailed(error);
      }
      return await recoverCreation(
        transport,
        announced,
        endpoint,
        error,
        signal,
      );
    }
    if (response.status === 413) {
      serverLimit = readUploadState(response.headers).limit ?? serverLimit;
      throw new TusCommunicationError(
        `Cannot create upload: server answered 413: the upload or its first chunk is larger than the server accepts (${where})`,
        { statusCode: 413 },
      );
    }
    const location = response.headers.get("Location") ?? announced;
    if (!location) {
      throw new TusCommunicationError(
        `Cannot create upload: server answered ${response.status} without a Location header (${where})`,
        { statusCode: response.status },
      );
    }
    const url = resolveLocation(location, endpoint);
    const state = readUploadState(response.headers);
    remember(url, state.limit);
    const sent = body?.length ?? 0;
    if (state.complete === true) return { url, offset: sent };
    if (state.offset !== null && state.offset <= sent) {
      return { url, offset: state.offset };
    }
    if (sent === 0) return { url, offset: 0 };
    // Bytes were sent but the answer does not say how many were stored.
    return { url, offset: (await readUpload(transport, url, signal)).offset };
  }

  /** A creation failed after its 104 named the upload: ask what it holds. */
  async function recoverCreation(
    transport: Transport,
    url: string,
    endpoint: string,
    error: unknown,
    signal: AbortSignal | undefined,
  ): Promise<CreatedUpload> {
    const failure = asUploadFailed(error);
    const named = failure instanceof TusCommunicationError
      ? withUploadUrl(failure, url)
      : failure;
    if (signal?.aborted) throw named;
    let resolved: string;
    try {
      resolved = resolveLocation(url, endpoint);
    } catch {
      throw named;
    }
    const state = await readUpload(transport, resolved, signal).catch(
      () => null,
    );
    if (state === null) throw named;
    return { url: resolved, offset: state.offset };
  }

  async function sendChunk(
    transport: Transport,
    chunk: ChunkRequest,
  ): Promise<ChunkResult> {
    const complete = chunk.complete === true;
    const { headers } = appendRequest({
      offset: chunk.offset,
      complete,
      length: chunk.declareLength ?? null,
    });
    const request: TusRequest = {
      method: "PATCH",
      url: chunk.url,
      action: `send chunk at offset ${chunk.offset}`,
      headers,
      body: chunk.bytes,
      bodyLength: chunk.length,
      signal: chunk.signal,
      onSent: chunk.onSent,
      acceptStatus: [413],
    };
    // No interim answer matters to an append: it goes the way every PATCH
    // does, so its bytes can be counted as they leave.
    const response = await sendTusRequest(transport, request);
    const state = readUploadState(response.headers);
    remember(chunk.url, state.limit);
    if (response.status === 413) return await shrunk(transport, chunk);
    const end = chunk.offset + chunk.length;
    return {
      // A 2xx to an append means its whole content was stored.
      serverOffset: state.complete === true ? end : state.offset ?? end,
      sent: chunk.length,
      declaredLength: chunk.declareLength ?? null,
    };
  }

  /** A 413 to an append: send it again within the limit it announced. */
  function shrunk(
    transport: Transport,
    chunk: ChunkRequest,
  ): Promise<ChunkResult> {
    const max = uploadLimits.get(chunk.url)?.maxAppendSize ?? null;
    const bytes = chunk.bytes;
    if (
      max === null || max === 0 || max >= chunk.length ||
      !(bytes instanceof Uint8Array)
    ) {
      throw new TusCommunicationError(
        `Cannot send chunk at offset ${chunk.offset}: server answered 413: the chunk is larger than the server accepts (PATCH ${
          withoutQuery(chunk.url)
        })`,
        { statusCode: 413 },
      );
    }
    return sendChunk(transport, {
      ...chunk,
      bytes: bytes.subarray(0, max),
      length: max,
      complete: false,
      declareLength: undefined,
    });
  }

  async function readUpload(
    transport: Transport,
    url: string,
    signal?: AbortSignal,
  ): Promise<UploadState> {
    const response = await sendTusRequest(via(transport), {
      method: "HEAD",
      url,
      action: "read upload offset",
      headers: { ...offsetRequest().headers, "Cache-Control": "no-store" },
      signal,
    });
    const state = readUploadState(response.headers);
    remember(url, state.limit);
    const { offset, complete } = state;
    const length = state.length ?? (complete === true ? offset : null);
    const problem = offset === null
      ? "Upload-Offset is missing or not a number"
      : length !== null && offset > length
      ? "Upload-Offset is past Upload-Length"
      : complete === true && offset !== length
      ? "the upload is complete at another offset than its length"
      : null;
    if (problem !== null || offset === null) {
      throw new TusCommunicationError(
        `Cannot read upload offset: ${problem} (HEAD ${withoutQuery(url)})`,
        { statusCode: response.status },
      );
    }
    const maxAge = state.limit?.maxAgeMs ?? null;
    return {
      offset,
      length,
      metadata: {},
      expiresAt: maxAge === null ? null : new Date(Date.now() + maxAge),
      complete,
    };
  }

  async function deleteUpload(
    transport: Transport,
    url: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await sendTusRequest(via(transport), {
      method: "DELETE",
      url,
      action: "delete upload",
      headers: cancelRequest().headers,
      signal,
      acceptStatus: [404, 410],
    });
    uploadLimits.delete(url);
  }

  async function readServerInfo(
    transport: Transport,
    endpoint: string,
    signal?: AbortSignal,
  ): Promise<ServerInfo> {
    const { headers } = await sendTusRequest(via(transport), {
      method: "OPTIONS",
      url: endpoint,
      action: "read server capabilities",
      headers: optionsRequest().headers,
      signal,
    });
    const limits = parseUploadLimit(headers.get(DRAFT_HEADERS.limit));
    serverLimit = limits ?? serverLimit;
    return {
      version: "",
      versions: [],
      extensions: [],
      maxSize: limits?.maxSize ?? null,
      checksumAlgorithms: [],
      limits,
    };
  }

  return Object.freeze({
    name: "ietf-draft" as const,
    concatenation: false,
    dataWithCreation: () => interim !== null,
    appendLength,
    createUpload,
    sendChunk,
    readUpload,
    deleteUpload,
    readServerInfo,
  });
}

/** `transport` with its requests sent through `interim`, reporting 1xx answers. */
function interimTransport(
  transport: Transport,
  interim: InterimFetch,
  onInterim: (response: InterimResponse) => void,
): Transport {
  const send = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request && init === undefined
      ? input
      : new Request(input, init);
    if (REUSE_REPLAYS) {
      try {
        request.headers.set("Connection", "close");
      } catch {
        // Immutable headers (a hook's own Request): sent as they are.
      }
    }
    return interim(request, onInterim);
  };
  return { ...transport, fetch: send as typeof fetch };
}
