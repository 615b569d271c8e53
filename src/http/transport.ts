/**
 * The one place where protocol intents become `fetch` calls: headers,
 * timeout, hooks, and errors that name what failed.
 *
 * @module
 */
import { TusCommunicationError } from "../errors.ts";
import { TUS_VERSION } from "../protocol/headers.ts";
import {
  problemMessage,
  readProblemDetails,
} from "../protocol/problem_details.ts";
import { parseRetryAfter } from "../protocol/retry_after.ts";
import { describeTlsFailure } from "../runtime/tls.ts";
import { networkCause } from "../runtime/network_cause.ts";
import {
  bodilessSend,
  countedSend,
  countedStreamSend,
} from "../runtime/counted_send.ts";
import type { ConnectionPool } from "./connection_pool.ts";

export { ConnectionPool } from "./connection_pool.ts";

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Hook that may replace every request before it is sent. */
export type BeforeRequestHook = (
  request: Request,
) => Request | void | Promise<Request | void>;

/** Hook that sees every response. */
export type AfterResponseHook = (
  request: Request,
  response: Response,
) => void | Promise<void>;

/** One thing a request did, as a logger receives it. */
export type TusLogEvent =
  | {
    readonly type: "request";
    readonly method: string;
    readonly url: string;
    readonly headers: Record<string, string>;
  }
  | {
    readonly type: "response";
    readonly method: string;
    readonly url: string;
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly durationMs: number;
  }
  | {
    readonly type: "error";
    readonly method: string;
    readonly url: string;
    readonly message: string;
  };

/** Receives every {@linkcode TusLogEvent}. */
export type TusLogger = (event: TusLogEvent) => void;

/** How requests are sent: shared by every request of a client or uploader. */
export interface Transport {
  /** The fetch implementation (injected, or the global one). */
  readonly fetch: typeof fetch;
  /** Custom headers, read at every request so updates apply mid-upload. */
  readonly headers: () => Record<string, string>;
  /** Per-request timeout in ms, covering the response body too. */
  readonly timeout: number;
  /** Adds `X-Request-ID` to each request and to error messages. */
  readonly requestId: boolean;
  /** Sends PATCH as POST with `X-HTTP-Method-Override: PATCH`. */
  readonly overridePatchMethod: boolean;
  /** Last word on every request. */
  readonly onBeforeRequest?: BeforeRequestHook;
  /** Sees every response. */
  readonly onAfterResponse?: AfterResponseHook;
  /** Receives every request, response and network error. */
  readonly logger?: TusLogger;
  /**
   * The client's connections for requests with a body: bounds how many are
   * in flight (one beyond waits before its timeout starts), and sends a
   * `Uint8Array` through `countedSend` (when counted, or always when
   * `pool.direct`), a stream with its `bodyLength` through
   * `countedStreamSend` (when `pool.direct`), as long as `fetch` is still
   * `pool.ownFetch`. Absent: every request goes through `fetch`, unbounded.
   */
  readonly pool?: ConnectionPool;
}

/** One tus request, before the transport dresses it. */
export interface TusRequest {
  /** The tus method (PATCH goes out as POST with `overridePatchMethod`). */
  readonly method: "POST" | "HEAD" | "PATCH" | "OPTIONS" | "DELETE";
  /** Where to send it. */
  readonly url: string;
  /** What the request does, for messages: "create upload", "send chunk at offset 0". */
  readonly action: string;
  /** The request's own headers; they win over the transport's. */
  readonly headers?: Record<string, string>;
  /**
   * The bytes to send, always with a `Content-Length` when a `Uint8Array`,
   * or when a stream whose `bodyLength` is given.
   */
  readonly body?: Uint8Array | ReadableStream<Uint8Array>;
  /**
   * How many bytes a `ReadableStream` body has (ignored for a `Uint8Array`):
   * sent as its `Content-Length`, never chunked. A stream that ends short
   * or runs long fails the request before its last piece goes out (in
   * `countedSend`'s paths; an injected `fetch` decides for itself).
   */
  readonly bodyLength?: number;
  /** Aborts the request (its reason becomes the error's `cause`). */
  readonly signal?: AbortSignal;
  /** Statuses other than 2xx that the caller handles itself. */
  readonly acceptStatus?: readonly number[];
  /**
   * Called with the bytes of `body` handed to the connection so far, at most
   * every 100 ms and once more when all are handed over. Only for a
   * `Uint8Array` body, or a stream with its `bodyLength`. Where no view of
   * the connection exists (a browser's stream body, an injected
   * `fetch`, a request replaced by `onBeforeRequest`), it is called once,
   * with the whole length, when the answer arrives.
   */
  readonly onSent?: (sentBytes: number) => void;
}

/** The part of a response the protocol needs; the body is already closed. */
export interface TusResponse {
  /** The final status. */
  readonly status: number;
  /** The response's headers. */
  readonly headers: Headers;
}

/**
 * Sends `request` through `transport` and answers with its status and
 * headers once the exchange is over.
 *
 * A request with a body (a PATCH, a creation with data) waits for a place
 * in `transport.pool` first (its timeout starts once it has one). Then, as
 * long as the transport's `fetch` is still the pool's own, a `Uint8Array`
 * goes out through `countedSend` when `onSent` is given or the pool sends
 * every body directly, and a stream with its `bodyLength` through
 * `countedStreamSend` when the pool sends bodies directly (not in a
 * browser), both with their `Content-Length`. Otherwise (an injected
 * `fetch`, a request that `onBeforeRequest` replaced, a stream in a
 * browser) it goes through `fetch` as is, a stream's `Content-Length`
 * header set on the `Request`, and `onSent` is called once, with the whole
 * length, when the answer arrives. A stream nothing took is cancelled when
 * the request fails.
 *
 * @throws {TusCommunicationError} on a network error, a timeout or a status
 * outside 2xx (and `acceptStatus`); the abort reason when `request.signal`
 * aborts.
 */
export async function sendTusRequest(
  transport: Transport,
  request: TusRequest,
): Promise<TusResponse> {
  const requestId = transport.requestId ? crypto.randomUUID() : null;
  const pool = transport.pool;
  const { body } = request;
  try {
    const own = pool !== undefined && pool.ownFetch !== null &&
      transport.fetch === pool.ownFetch;
    if (
      pool === undefined || (body === undefined && !(own && pool.bodiless))
    ) {
      return await exchange(transport, request, requestId, null);
    }
    let release: () => void;
    try {
      release = await pool.acquire(request.signal);
    } catch {
      throw abortError(request, requestId);
    }
    try {
      const direct = body === undefined
        ? true
        : body instanceof Uint8Array
        ? own && (pool.direct || request.onSent !== undefined)
        : own && pool.direct && request.bodyLength !== undefined;
      return await exchange(
        transport,
        request,
        requestId,
        direct ? pool : null,
      );
    } finally {
      release();
    }
  } catch (error) {
    // A stream nothing took (an abort while waiting, a hook that threw)
    // would keep its source open.
    if (body instanceof ReadableStream && !body.locked) {
      body.cancel(error).catch(() => {});
    }
    throw error;
  }
}

async function exchange(
  transport: Transport,
  request: TusRequest,
  requestId: string | null,
  direct: ConnectionPool | null,
): Promise<TusResponse> {
  // One signal for the timeout and the caller's abort. Not AbortSignal.any:
  // on Node 20 it costs about 25 µs per call against a long-lived signal (an
  // upload's), and what it keeps grows with every chunk.
  const timeout = new AbortController();
  const { signal } = timeout;
  // setTimeout cannot wait past 2^31-1 ms; longer (or Infinity) means none.
  const timer = transport.timeout < MAX_TIMER_MS
    ? setTimeout(
      () => timeout.abort(new DOMException("timed out", "TimeoutError")),
      transport.timeout,
    )
    : undefined;
  const forward = () => timeout.abort(request.signal?.reason);
  request.signal?.addEventListener("abort", forward);
  try {
    if (request.signal?.aborted) throw abortError(request, requestId);
    // Bytes sent directly stay out of the Request (a Request copies them),
    // unless a hook may want to read them.
    const bodyInRequest = direct === null ||
      transport.onBeforeRequest !== undefined;
    const prepared = await prepareRequest(
      transport,
      request,
      signal,
      requestId,
      bodyInRequest,
    );
    let response: Response;
    const log = transport.logger;
    const started = log ? logRequest(log, prepared.request) : 0;
    try {
      response = await send(transport, request, prepared, direct);
    } catch (error) {
      const failure = networkError(
        request,
        timeout,
        transport,
        requestId,
        error,
      );
      log?.({
        type: "error",
        method: prepared.request.method,
        url: prepared.request.url,
        message: failure instanceof Error ? failure.message : String(failure),
      });
      throw failure;
    }
    if (log) logResponse(log, prepared.request, response, started);
    if (transport.onAfterResponse) {
      // The hook gets its own copy, so reading it leaves ours intact; an
      // unread copy is cancelled, or it would hold the connection open.
      const copy = response.body ? response.clone() : response;
      try {
        await transport.onAfterResponse(prepared.request, copy);
      } finally {
        // Not awaited: a tee branch's cancel settles only once the other
        // branch (ours, read or cancelled below) is done too.
        if (copy !== response && !copy.bodyUsed) {
          copy.body?.cancel().catch(() => {});
        }
      }
    }
    const accepted = (response.status >= 200 && response.status < 300) ||
      request.acceptStatus?.includes(response.status);
    if (accepted) {
      await response.body?.cancel().catch(() => {});
      return { status: response.status, headers: response.headers };
    }
    const content = await readBody(response).catch((error) => {
      throw networkError(request, timeout, transport, requestId, error);
    });
    throw new TusCommunicationError(
      describeFailure(
        request,
        statusDescription(request, response, content),
        requestId,
      ),
      {
        statusCode: response.status,
        responseContent: content,
        retryAfterMs: parseRetryAfter(response.headers.get("Retry-After")),
      },
    );
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", forward);
  }
}

/** The request as dressed, and whether a hook replaced it. */
interface Prepared {
  readonly request: Request;
  readonly replaced: boolean;
}

/** Through `countedSend` when `direct` and the hook kept the request, else `fetch`. */
async function send(
  transport: Transport,
  request: TusRequest,
  prepared: Prepared,
  direct: ConnectionPool | null,
): Promise<Response> {
  const onSent = request.onSent;
  const length = lengthOf(request);
  if (direct !== null && !prepared.replaced && request.body === undefined) {
    return await bodilessSend(prepared.request, { pool: direct });
  }
  if (
    direct !== null && !prepared.replaced &&
    request.body instanceof ReadableStream
  ) {
    // A hook that kept the request may have read its body: send what is left
    // of it, which is the Request's own stream then.
    const stream = prepared.request.body ?? request.body;
    return await countedStreamSend(
      prepared.request,
      stream,
      length!,
      onSent ? throttled(onSent, length!) : noCount,
      { pool: direct, whole: onSent === undefined },
    );
  }
  const bytes = request.body as Uint8Array;
  if (direct !== null && !prepared.replaced) {
    return onSent
      ? await countedSend(
        prepared.request,
        bytes,
        throttled(onSent, bytes.length),
        { pool: direct },
      )
      : await countedSend(prepared.request, bytes, noCount, {
        pool: direct,
        whole: true,
      });
  }
  // Called unbound: a browser's fetch throws "Illegal invocation" when
  // called as a method of another object.
  const fetchUnbound = transport.fetch;
  const response = await fetchUnbound(prepared.request);
  // Without a view of the connection, all is known handed over only now.
  if (onSent && length !== undefined) onSent(length);
  return response;
}

/** The byte count of `request`'s body, `undefined` when none is known. */
function lengthOf(request: TusRequest): number | undefined {
  const { body } = request;
  return body instanceof Uint8Array
    ? body.length
    : body === undefined
    ? undefined
    : request.bodyLength;
}

const noCount = () => {};

/** Interval between two calls of `onSent` before the last one, in ms. */
const SENT_INTERVAL_MS = 100;

/** `onSent` at most every 100 ms, and always for the last byte. */
function throttled(
  onSent: (sentBytes: number) => void,
  length: number,
): (sentBytes: number) => void {
  let last = 0;
  return (sentBytes) => {
    const now = Date.now();
    if (sentBytes < length && now - last < SENT_INTERVAL_MS) return;
    last = now;
    onSent(sentBytes);
  };
}

async function prepareRequest(
  transport: Transport,
  request: TusRequest,
  signal: AbortSignal,
  requestId: string | null,
  bodyInRequest: boolean,
): Promise<Prepared> {
  const headers = new Headers(transport.headers());
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers.set(name, value);
  }
  if (requestId) headers.set("X-Request-ID", requestId);
  let method: string = request.method;
  if (method === "PATCH" && transport.overridePatchMethod) {
    method = "POST";
    headers.set("X-HTTP-Method-Override", "PATCH");
  }
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  if (request.body !== undefined) {
    // A body must never follow a redirect: it could leak, and Node's fetch
    // would keep the whole streamed body in memory to be able to re-send it.
    init.redirect = "error";
    if (bodyInRequest) init.body = request.body as BodyInit;
    if (request.body instanceof ReadableStream) {
      init.duplex = "half";
      if (request.bodyLength !== undefined) {
        headers.set("Content-Length", String(request.bodyLength));
      }
    }
  }
  const prepared = new Request(request.url, init);
  const hooked = await transport.onBeforeRequest?.(prepared);
  return hooked && hooked !== prepared
    ? { request: hooked, replaced: true }
    : { request: prepared, replaced: false };
}

async function readBody(response: Response): Promise<Uint8Array | null> {
  if (!response.body) return null;
  return new Uint8Array(await response.arrayBuffer());
}

function networkError(
  request: TusRequest,
  timeout: AbortController,
  transport: Transport,
  requestId: string | null,
  error: unknown,
): unknown {
  if (request.signal?.aborted) return abortError(request, requestId);
  if (timeout.signal.aborted) {
    return new TusCommunicationError(
      describeFailure(
        request,
        `no complete answer within ${transport.timeout} ms`,
        requestId,
      ),
      { cause: error },
    );
  }
  if (error instanceof RangeError) {
    // The body stream had another length than announced: not the network.
    const what = error.message.replace(/^Cannot send request: /, "");
    return new TusCommunicationError(
      describeFailure(request, what, requestId),
      {
        cause: error,
      },
    );
  }
  const reason = innermostMessage(error);
  const tls = describeTlsFailure(error);
  const cause = networkCause(error);
  const what = tls
    ? `${tls} (${reason})`
    : cause
    ? `network error: ${cause} (${reason})`
    : `network error (${reason})`;
  return new TusCommunicationError(describeFailure(request, what, requestId), {
    cause: error,
  });
}

/** The message of the deepest `cause`: "fetch failed" says nothing. */
function innermostMessage(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    messages.push(current instanceof Error ? current.message : String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return messages.filter(Boolean).join(": ");
}

function logRequest(log: TusLogger, request: Request): number {
  log({
    type: "request",
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
  });
  return Date.now();
}

function logResponse(
  log: TusLogger,
  request: Request,
  response: Response,
  started: number,
): void {
  log({
    type: "response",
    method: request.method,
    url: request.url,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    durationMs: Date.now() - started,
  });
}

function abortError(
  request: TusRequest,
  requestId: string | null,
): TusCommunicationError {
  return new TusCommunicationError(
    describeFailure(request, "aborted", requestId),
    {
      cause: request.signal?.reason,
    },
  );
}

function statusDescription(
  request: TusRequest,
  response: Response,
  content: Uint8Array | null,
): string {
  const problem = content === null
    ? null
    : readProblemDetails(response.headers.get("Content-Type"), content);
  if (problem !== null) {
    return `server answered ${response.status}: ${problemMessage(problem)}`;
  }
  if (response.status === 412 && request.headers?.["Tus-Resumable"]) {
    const serverVersions = response.headers.get("Tus-Version") ?? "unknown";
    return `server answered 412: it does not speak Tus-Resumable ${TUS_VERSION} (server Tus-Version: ${serverVersions})`;
  }
  return `server answered ${response.status}`;
}

function describeFailure(
  request: TusRequest,
  what: string,
  requestId: string | null,
): string {
  const where = `${request.method} ${withoutQuery(request.url)}`;
  const id = requestId ? `, X-Request-ID ${requestId}` : "";
  return `Cannot ${request.action}: ${what} (${where}${id})`;
}

/** `url` without its query string and fragment, for messages. */
export function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}
