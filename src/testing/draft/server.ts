/**
 * A running test server for draft-ietf-httpbis-resumable-upload on
 * `node:http` (which Node, Deno and Bun all provide), because a fetch-style
 * handler cannot send the draft's 104 interim responses.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { DraftLimits } from "./_fields.ts";
import { appendUpload, conflict } from "./_append.ts";
import { corsHeaders, preflightHeaders } from "./_cors.ts";
import { createUpload } from "./_create.ts";
import { discard } from "./_ingest.ts";
import { cancel, find, options, retrieveOffset } from "./_resource.ts";
import {
  type DraftContext,
  type DraftRequestLogEntry,
  Exchange,
} from "./_state.ts";
import { DraftFaults } from "./faults.ts";
import type { DraftViolation } from "./violations.ts";

/** The interop version the server speaks unless told otherwise. */
export const DRAFT_SERVER_INTEROP_VERSION = 9;

/**
 * Options of {@linkcode startDraftServer}.
 *
 * @example Limits and no 104
 * ```ts
 * import type { DraftServerOptions } from "@tusflow/client/testing";
 * const options: DraftServerOptions = { limits: { maxAppendSize: 1024 }, send104: false };
 * console.log(options.limits?.maxAppendSize); // 1024
 * ```
 */
export interface DraftServerOptions {
  /** Interface to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. @default {0} */
  port?: number;
  /** Path of the creation endpoint; uploads live below it. @default {"/files/"} */
  basePath?: string;
  /** The `Upload-Draft-Interop-Version` the server speaks. @default {9} */
  interopVersion?: number;
  /** Limits announced in `Upload-Limit` and enforced. @default {none} */
  limits?: DraftLimits;
  /** Send 104 (Upload Resumption Supported) on creation when the interop version matches. @default {true} */
  send104?: boolean;
  /** Also send a 104 with `Upload-Offset` each time this many more body bytes were stored. @default {never} */
  progressEvery?: number | null;
  /** How long a new request to an upload waits for a transfer in flight to end on its own before that counts as a violation and the transfer is terminated, in ms. @default {100} */
  concurrencyGraceMs?: number;
  /**
   * Answer offset retrievals with `Upload-Offset` (and `Cache-Control`,
   * `Upload-Limit`) only, without `Upload-Complete` and `Upload-Length`, as
   * the editor's copy after draft -12 allows (PR #3493). @default {false}
   */
  minimalHead?: boolean;
  /**
   * Let pages on other origins use the server: answer CORS preflights
   * (logged in `preflights`, never a violation) and add
   * `Access-Control-Allow-Origin: *` and `Access-Control-Expose-Headers` (the
   * draft's fields, `Location`, `Retry-After`) to every answer. @default {true}
   */
  cors?: boolean;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
}

/** A snapshot of one upload on the draft server. */
export interface DraftUploadSnapshot {
  /** The upload resource's URL. */
  readonly url: string;
  /** Bytes stored. */
  readonly offset: number;
  /** The length, once the client indicated it. */
  readonly length: number | null;
  /** Whether a request with `Upload-Complete: ?1` completed it. */
  readonly complete: boolean;
  /** Deleted, forgotten or expired. */
  readonly gone: boolean;
}

/**
 * A running draft server. Close it with `await using` or `close()`.
 *
 * @example
 * ```ts
 * import { startDraftServer } from "@tusflow/client/testing";
 * await using server = await startDraftServer();
 * console.log(server.url.endsWith("/files/"), server.violations.length); // true 0
 * ```
 */
export interface DraftServer extends AsyncDisposable {
  /** The creation endpoint, e.g. `http://127.0.0.1:41234/files/`. */
  readonly url: string;
  /** Always `"ietf-draft"`. */
  readonly protocol: "ietf-draft";
  /** The interop version it speaks. */
  readonly interopVersion: number;
  /** Fault injection for the next requests. */
  readonly faults: DraftFaults;
  /** Every request with its interim responses, in the order their handling ended. */
  readonly requests: readonly DraftRequestLogEntry[];
  /** CORS preflights a browser sent, in order (not part of `requests`). */
  readonly preflights: readonly DraftRequestLogEntry[];
  /**
   * Requests received whose handling has not ended yet (logged, or the
   * connection gone), preflights included: 0 once the server is quiet.
   */
  readonly inFlight: number;
  /** Every client MUST of the draft that a request broke. */
  readonly violations: readonly DraftViolation[];
  /** The stored bytes of an upload; `null` if unknown or gone. */
  bytesOf(uploadUrl: string): Uint8Array | null;
  /** An upload's state; `null` if unknown. */
  uploadOf(uploadUrl: string): DraftUploadSnapshot | null;
  /** Every upload created, oldest first. */
  uploads(): DraftUploadSnapshot[];
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts a draft-ietf-httpbis-resumable-upload server for tests on
 * `127.0.0.1` and a free port: creation (with 104), append, offset
 * retrieval, cancellation, OPTIONS, limits, problem details, faults, a
 * request log and a list of client violations.
 *
 * @param options Address, interop version, limits, interim responses.
 * @returns The running server.
 * @throws {RangeError} For a bad interop version, limit or base path.
 * @example A careful creation with raw fetch
 * ```ts
 * import { startDraftServer } from "@tusflow/client/testing";
 * await using server = await startDraftServer();
 * const created = await fetch(server.url, {
 *   method: "POST",
 *   headers: { "Upload-Draft-Interop-Version": "9", "Upload-Complete": "?0" },
 * });
 * await created.body?.cancel();
 * console.log(created.status, created.headers.get("Upload-Offset")); // 201 "0"
 * ```
 */
export async function startDraftServer(
  options: DraftServerOptions = {},
): Promise<DraftServer> {
  const ctx = createContext(options);
  const http = await import("node:http");
  const sockets = new Set<Socket>();
  const server: Server = http.createServer((req, res) => {
    handle(ctx, req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, ctx.settings.cors ? corsHeaders() : {}).end();
      }
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.hostname ?? "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("Cannot start draft server: no TCP address");
  }
  const host = address.address.includes(":")
    ? `[${address.address}]`
    : address.address;
  ctx.origin = `http://${host}:${address.port}`;
  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closed;
  };
  options.signal?.addEventListener("abort", close, { once: true });
  const idOf = (url: string) => {
    const path = new URL(url, ctx.origin).pathname;
    return path.startsWith(ctx.settings.basePath)
      ? path.slice(ctx.settings.basePath.length)
      : "";
  };
  const snapshot = (id: string): DraftUploadSnapshot | null => {
    const upload = ctx.uploads.get(id);
    if (!upload) return null;
    return {
      url: upload.url,
      offset: upload.offset,
      length: upload.length,
      complete: upload.complete,
      gone: upload.gone !== null,
    };
  };
  return {
    url: `${ctx.origin}${ctx.settings.basePath}`,
    protocol: "ietf-draft",
    interopVersion: ctx.settings.interopVersion,
    faults: ctx.faults,
    requests: ctx.requests,
    preflights: ctx.preflights,
    violations: ctx.violations,
    get inFlight() {
      return ctx.inFlight;
    },
    bytesOf(uploadUrl) {
      const upload = ctx.uploads.get(idOf(uploadUrl));
      if (!upload || upload.gone !== null) return null;
      const out = new Uint8Array(upload.offset);
      let at = 0;
      for (const chunk of upload.chunks) {
        out.set(chunk, at);
        at += chunk.length;
      }
      return out;
    },
    uploadOf: (uploadUrl) => snapshot(idOf(uploadUrl)),
    uploads: () =>
      [...ctx.uploads.keys()].map((id) => snapshot(id) as DraftUploadSnapshot),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function createContext(options: DraftServerOptions): DraftContext {
  const basePath = options.basePath ?? "/files/";
  if (!basePath.startsWith("/") || !basePath.endsWith("/")) {
    throw new RangeError(
      "Cannot start draft server: basePath must start and end with /",
    );
  }
  const interopVersion = options.interopVersion ?? DRAFT_SERVER_INTEROP_VERSION;
  if (!Number.isSafeInteger(interopVersion) || interopVersion < 0) {
    throw new RangeError("Cannot start draft server: bad interop version");
  }
  const limits = options.limits ?? {};
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new RangeError(`Cannot start draft server: bad limit ${name}`);
    }
  }
  const progressEvery = options.progressEvery ?? null;
  if (
    progressEvery !== null &&
    !(Number.isSafeInteger(progressEvery) && progressEvery > 0)
  ) {
    throw new RangeError("Cannot start draft server: bad progressEvery");
  }
  const ctx: DraftContext = {
    settings: {
      interopVersion,
      limits,
      send104: options.send104 ?? true,
      progressEvery,
      concurrencyGraceMs: options.concurrencyGraceMs ?? 100,
      minimalHead: options.minimalHead ?? false,
      basePath,
      cors: options.cors ?? true,
    },
    faults: new DraftFaults((url, status) => {
      const path = new URL(url, ctx.origin).pathname;
      const upload = ctx.uploads.get(path.slice(basePath.length));
      if (upload) upload.gone = status;
    }),
    uploads: new Map(),
    requests: [],
    preflights: [],
    violations: [],
    origin: "",
    inFlight: 0,
    limitsAnnounced: false,
  };
  return ctx;
}

async function handle(
  ctx: DraftContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const exchange = new Exchange(ctx, req, res);
  const { method, path } = exchange;
  // Before faults and the interop check: a browser sends a preflight on its
  // own, without the draft's fields, and it is no request of the client.
  if (exchange.preflight) {
    await discard(exchange);
    return exchange.answer(204, preflightHeaders(exchange.headers));
  }
  const delay = ctx.faults.delayOf(method);
  if (delay > 0) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    // The latency stands for the network: a request whose client hung up
    // meanwhile (a page reloaded) never reached the server. Handling it late
    // would change the upload behind the back of the client's next request.
    if (req.destroyed || res.destroyed) return exchange.logUnanswered();
  }
  if (!exchange.interopMatches) {
    const raw = exchange.headers["upload-draft-interop-version"];
    exchange.violate(
      "interop-version",
      raw === undefined
        ? "Upload-Draft-Interop-Version missing"
        : `Upload-Draft-Interop-Version ${raw}, server speaks ${ctx.settings.interopVersion}`,
    );
  }
  const base = ctx.settings.basePath;
  const id = path.startsWith(base) ? path.slice(base.length) : null;
  const failure = ctx.faults.takeFailure(method);
  if (failure) {
    await discard(exchange);
    const upload = id ? find(exchange, id) : null;
    if (failure.status === 409 && upload && "id" in upload) {
      return conflict(exchange, upload, null);
    }
    const headers: Record<string, string> = failure.retryAfter === null
      ? {}
      : { "retry-after": failure.retryAfter };
    return exchange.fail(failure.status, failure.body, headers);
  }
  if (method === "OPTIONS" && (path === "*" || id !== null)) {
    return options(exchange);
  }
  if (id === "" && method === "POST") return await createUpload(exchange);
  if (id && !id.includes("/")) {
    if (method === "HEAD" || method === "GET") {
      return await retrieveOffset(exchange, id);
    }
    if (method === "PATCH") return await appendUpload(exchange, id);
    if (method === "DELETE") return await cancel(exchange, id);
  }
  await discard(exchange);
  if (id === null || id.includes("/")) {
    return exchange.fail(404, "Cannot find resource");
  }
  exchange.fail(405, `Cannot handle ${method} here`, {
    allow: id === "" ? "POST, OPTIONS" : "HEAD, GET, PATCH, DELETE, OPTIONS",
  });
}
