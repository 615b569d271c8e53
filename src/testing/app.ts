/**
 * The Hono app of the test server: routing, `Tus-Resumable`, method override,
 * CORS, faults and the request log around the method handlers.
 *
 * @module
 */
import { Hono } from "hono";
import type { ServeConnection } from "../runtime/serve.ts";
import { RequestBody } from "./_body.ts";
import { resolveConfig } from "./_config.ts";
import {
  empty,
  fail,
  isExpired,
  type TusRequest,
  type TusState,
} from "./_context.ts";
import { EXPOSED_HEADERS, TUS_VERSION } from "./_headers.ts";
import { delayOf, Faults, takeFailure, takeStall } from "./faults.ts";
import { stalledAnswer } from "./_stall.ts";
import { handleDelete } from "./handlers/delete.ts";
import { handleHead } from "./handlers/head.ts";
import { handleOptions } from "./handlers/options.ts";
import { handlePatch } from "./handlers/patch.ts";
import { handlePost } from "./handlers/post.ts";
import { headersRecord, type RequestLogEntry } from "./request_log.ts";
import {
  MemoryUploadStore,
  type UploadRecord,
  type UploadStore,
} from "./store.ts";

/**
 * Options of {@linkcode createTusApp} (and of `startTusServer()`).
 *
 * @example Expiring uploads and counting bytes without keeping them
 * ```ts
 * import { createTusApp, type TusAppOptions } from "@tusflow/client/testing";
 *
 * const options: TusAppOptions = { expiresInMs: 60_000, discardBytes: true };
 * const { app } = createTusApp(options);
 * const response = await app.request("/files/", { method: "OPTIONS" });
 * console.log(response.headers.get("Tus-Extension")?.includes("expiration")); // true
 * ```
 */
export interface TusAppOptions {
  /** Path of the creation endpoint; uploads live below it. @default {"/files/"} */
  basePath?: string;
  /** `Tus-Max-Size` in bytes, enforced; `null` for none. @default {null} */
  maxSize?: number | null;
  /** Extensions advertised and enforced. @default {every one implemented} */
  extensions?: readonly string[];
  /** `Tus-Checksum-Algorithm`. @default {["sha1", "sha256", "sha512"]} */
  checksumAlgorithms?: readonly string[];
  /** Lifetime of unfinished uploads in ms; `null`: they never expire. @default {null} */
  expiresInMs?: number | null;
  /** Count received bytes without keeping them (benchmarks). @default {false} */
  discardBytes?: boolean;
  /** Storage to use instead of a new in-memory store. */
  store?: UploadStore;
  /** Aborting it ends pending latency faults (the server is closing). */
  signal?: AbortSignal;
}

/**
 * Hono bindings: `serve()` passes the connection, to let faults drop it.
 * Without them, a cut answers a `500` whose body fails.
 *
 * @example Answering without a connection
 * ```ts
 * import { createTusApp, type TusBindings } from "@tusflow/client/testing";
 *
 * const { app } = createTusApp();
 * const bindings: TusBindings = {};
 * const response = await app.fetch(
 *   new Request("http://localhost/files/", { method: "OPTIONS" }),
 *   bindings,
 * );
 * console.log(response.status); // 204
 * ```
 */
export interface TusBindings {
  /** The connection of the request, as `serve()` passes it. */
  connection?: ServeConnection;
}

/**
 * An upload as the server sees it, from `uploadOf()`.
 *
 * @example Reading an upload's state
 * ```ts
 * import { startTusServer, type UploadSnapshot } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer();
 * const response = await fetch(server.url, {
 *   method: "POST",
 *   headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "0" },
 * });
 * await response.body?.cancel();
 * const upload: UploadSnapshot | null = server.uploadOf(
 *   response.headers.get("Location") ?? "",
 * );
 * console.log(upload?.complete, upload?.gone); // true null
 * ```
 */
export interface UploadSnapshot {
  /** The last segment of its URL. */
  readonly id: string;
  /** The absolute URL answered in `Location`. */
  readonly url: string;
  /** Bytes stored. */
  readonly offset: number;
  /** Total size in bytes; `null` while the length is deferred. */
  readonly length: number | null;
  /** Whether every byte arrived. */
  readonly complete: boolean;
  /** Decoded `Upload-Metadata` (UTF-8). */
  readonly metadata: Readonly<Record<string, string>>;
  /** `Upload-Metadata` exactly as received, or `null`. */
  readonly metadataHeader: string | null;
  /** `partial` or `final` (concatenation), else `single`. */
  readonly kind: "single" | "partial" | "final";
  /** A final upload's parts, as URLs, in order. */
  readonly parts: readonly string[];
  /** When it was created. */
  readonly createdAt: Date;
  /** When it expires unless complete, or `null`. */
  readonly expiresAt: Date | null;
  /** What the upload answers instead of being served: 404, 410, or `null`. */
  readonly gone: 404 | 410 | null;
}

/**
 * The app and its handles, returned by {@linkcode createTusApp}.
 *
 * @example Testing through the app without a socket
 * ```ts
 * import { createTusApp, type TusApp } from "@tusflow/client/testing";
 *
 * const tus: TusApp = createTusApp();
 * const response = await tus.app.request("/files/", {
 *   method: "POST",
 *   headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "3" },
 * });
 * console.log(response.status, tus.requests.length); // 201 1
 * ```
 */
export interface TusApp {
  /** The Hono app; `app.fetch(request, { connection })` answers a request. */
  readonly app: Hono<{ Bindings: TusBindings }>;
  /** The creation endpoint's path, ending with `/`. */
  readonly basePath: string;
  /** Fault injection for the next requests. */
  readonly faults: Faults;
  /** Every request, in the order their answers were sent (or dropped). */
  readonly requests: readonly RequestLogEntry[];
  /** Requests that arrived and are not answered (nor dropped) yet. */
  readonly inFlight: number;
  /** The storage behind the app. */
  readonly store: UploadStore;
  /** The upload at a URL (absolute, or its path), `null` if unknown. */
  uploadOf(uploadUrl: string): UploadSnapshot | null;
  /** Its stored bytes, joined; `null` if unknown, gone or discarded. */
  bytesOf(uploadUrl: string): Uint8Array | null;
}

/**
 * Builds the tus 1.0.0 server as a Hono app, to mount anywhere. Dropping a
 * connection needs the `connection` binding that `serve()` passes; elsewhere a
 * cut answers a `500` whose body fails (Bun still drops the connection).
 *
 * @param options Protocol settings and storage.
 * @returns The app, its faults, its request log and its store.
 * @throws {TypeError} For a `basePath` that does not start with `/`.
 * @throws {RangeError} For unknown extensions or algorithms, or bad sizes.
 * @example Mounting the tus app under another Hono app
 * ```ts
 * import { Hono } from "hono";
 * import { createTusApp } from "@tusflow/client/testing";
 *
 * const tus = createTusApp({ basePath: "/uploads/" });
 * const app = new Hono().route("/", tus.app);
 * const response = await app.request("/uploads/", { method: "OPTIONS" });
 * console.log(response.headers.get("Tus-Version")); // "1.0.0"
 * ```
 */
export function createTusApp(options: TusAppOptions = {}): TusApp {
  const config = resolveConfig(options);
  const store = options.store ??
    new MemoryUploadStore({ discardBytes: options.discardBytes ?? false });
  const requests: RequestLogEntry[] = [];
  const idOf = (uploadUrl: string): string => {
    const { pathname } = new URL(uploadUrl, "http://any.host");
    return pathname.startsWith(config.basePath)
      ? pathname.slice(config.basePath.length)
      : "";
  };
  const faults = new Faults((uploadUrl, status) => {
    if (!store.get(idOf(uploadUrl))) {
      throw new Error(`Cannot forget ${uploadUrl}: no such upload`);
    }
    store.markGone(idOf(uploadUrl), status);
  });
  const state: TusState = { config, store, faults, busy: new Set() };
  const app = new Hono<{ Bindings: TusBindings }>();
  let inFlight = 0;
  app.all("*", async (c) => {
    inFlight++;
    try {
      return await answer(c.req.raw, c.env?.connection ?? null);
    } finally {
      inFlight--;
    }
  });
  async function answer(
    request: Request,
    connection: ServeConnection | null,
  ): Promise<Response> {
    const startedAt = Date.now();
    const tus: TusRequest = {
      request,
      url: new URL(request.url),
      headers: request.headers,
      method: effectiveMethod(request),
      body: new RequestBody(request.body, declaredLength(request.headers)),
      connection,
      dropped: false,
      cut: false,
    };
    let response: Response;
    try {
      response = await route(state, tus, options.signal);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      response = fail(500, `Cannot handle request: ${reason}`);
    }
    if (!tus.dropped) {
      await tus.body.drain(); // so that the client reads the answer, not a reset
      decorate(response);
    }
    const clientClosed = !tus.cut &&
      (tus.body.lost || (connection?.signal.aborted ?? false));
    requests.push(Object.freeze({
      method: request.method,
      effectiveMethod: tus.method,
      path: tus.url.pathname,
      status: tus.dropped ? 0 : response.status,
      headers: headersRecord(request.headers),
      responseHeaders: tus.dropped ? {} : headersRecord(response.headers),
      clientClosed,
      bodyBytes: tus.body.received,
      startedAt,
      durationMs: Date.now() - startedAt,
    }));
    return response;
  }
  return {
    app,
    basePath: config.basePath,
    faults,
    requests,
    get inFlight() {
      return inFlight;
    },
    store,
    uploadOf(uploadUrl) {
      const upload = store.get(idOf(uploadUrl));
      return upload ? snapshot(upload, store) : null;
    },
    bytesOf: (uploadUrl) => store.read(idOf(uploadUrl)),
  };
}

function declaredLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  return value !== null && /^[0-9]+$/.test(value) ? Number(value) : null;
}

function effectiveMethod(request: Request): string {
  const override = request.headers.get("x-http-method-override")?.trim();
  return override ? override.toUpperCase() : request.method;
}

async function route(
  state: TusState,
  tus: TusRequest,
  closing: AbortSignal | undefined,
): Promise<Response> {
  const { basePath } = state.config;
  const path = tus.url.pathname;
  const id = path.startsWith(basePath) ? path.slice(basePath.length) : null;
  if (
    !(path === basePath.slice(0, -1) || id === "" || /^[\w-]+$/.test(id ?? ""))
  ) {
    return fail(404, `Cannot find ${path}: not a tus endpoint`);
  }
  // Not request.signal: reading it makes Deno.serve print a warning.
  const gone = tus.connection?.signal;
  await sleep(delayOf(state.faults, tus.method), closing, gone);
  if (gone?.aborted) {
    // The client gave up during the delay: handle nothing it sent late.
    tus.dropped = true;
    return empty(500);
  }
  const failure = takeFailure(state.faults, tus.method);
  if (failure) {
    const headers: Record<string, string> = {};
    if (failure.retryAfter !== null) {
      headers["Retry-After"] = failure.retryAfter;
    }
    return fail(failure.status, failure.body, headers);
  }
  const stall = takeStall(state.faults, tus.method);
  if (stall) return stalledAnswer(stall, [closing, gone]);
  if (tus.method === "OPTIONS") return handleOptions(state, tus.request);
  if (tus.headers.get("tus-resumable") !== TUS_VERSION) {
    return fail(
      412,
      `Cannot handle request: Tus-Resumable must be ${TUS_VERSION}`,
      {
        "Tus-Version": TUS_VERSION,
      },
    );
  }
  if (!id) {
    if (tus.method === "POST") return await handlePost(state, tus);
    return fail(405, `Cannot ${tus.method} ${path}: not allowed`, {
      Allow: "POST, OPTIONS",
    });
  }
  if (tus.method === "HEAD") return handleHead(state, id);
  if (tus.method === "PATCH") return await handlePatch(state, tus, id);
  if (tus.method === "DELETE" && state.config.has("termination")) {
    return handleDelete(state, id);
  }
  const allow = state.config.has("termination")
    ? "HEAD, PATCH, DELETE, OPTIONS"
    : "HEAD, PATCH, OPTIONS";
  return fail(405, `Cannot ${tus.method} ${path}: not allowed`, {
    Allow: allow,
  });
}

/** Headers every answer carries: `Tus-Resumable` and CORS. */
function decorate(response: Response): void {
  const { headers } = response;
  headers.set("Tus-Resumable", TUS_VERSION);
  headers.set("Access-Control-Allow-Origin", "*");
  headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS.join(", "));
}

function snapshot(upload: UploadRecord, store: UploadStore): UploadSnapshot {
  const parts = upload.parts.map((id) => store.get(id)?.url ?? id);
  const expired = upload.gone === null && isExpired(upload);
  return Object.freeze({
    id: upload.id,
    url: upload.url,
    offset: upload.offset,
    length: upload.length,
    complete: upload.length !== null && upload.offset === upload.length,
    metadata: upload.metadata,
    metadataHeader: upload.metadataHeader,
    kind: upload.kind,
    parts: Object.freeze(parts),
    createdAt: new Date(upload.createdAt),
    expiresAt: upload.expiresAt === null ? null : new Date(upload.expiresAt),
    gone: expired ? 410 : upload.gone,
  });
}

function sleep(
  ms: number,
  ...signals: (AbortSignal | undefined)[]
): Promise<void> {
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  if (ms <= 0 || active.some((s) => s.aborted)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    for (const signal of active) {
      signal.addEventListener("abort", done, { once: true });
    }
    function done() {
      clearTimeout(timer);
      for (const signal of active) signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
