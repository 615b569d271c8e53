/**
 * A running tus 1.0.0 test server on a loopback port.
 *
 * @module
 */
import { serve, type ServeRuntime } from "../runtime/serve.ts";
import {
  createTusApp,
  type TusAppOptions,
  type UploadSnapshot,
} from "./app.ts";
import type { Faults } from "./faults.ts";
import type { RequestLogEntry } from "./request_log.ts";
import type { UploadStore } from "./store.ts";
import {
  type DraftServer,
  type DraftServerOptions,
  startDraftServer,
} from "./draft/server.ts";

/**
 * Options of {@linkcode startTusServer}: where to listen, plus every option
 * of {@linkcode createTusApp}.
 *
 * @example A server without termination, with a size limit
 * ```ts
 * import { startTusServer, type TusServerOptions } from "@tusflow/client/testing";
 *
 * const options: TusServerOptions = {
 *   maxSize: 1024,
 *   extensions: ["creation", "checksum"],
 * };
 * await using server = await startTusServer(options);
 * console.log(server.url.endsWith("/files/")); // true
 * ```
 */
export interface TusServerOptions extends TusAppOptions {
  /** `"ietf-draft"` starts {@linkcode startDraftServer} instead. @default {"tus-v1"} */
  protocol?: "tus-v1";
  /** Interface to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. @default {0} */
  port?: number;
  /**
   * Let `faults.cutNextPatch` really cut connections. On Deno this listens
   * behind a loopback relay, which roughly halves the throughput of large
   * uploads: benchmarks turn it off, and a cut then answers a `500` whose
   * body fails to read. Bun and Node cut without a relay. @default {true}
   */
  cutConnections?: boolean;
  /** Server implementation. @default {the current runtime} */
  runtime?: ServeRuntime;
}

/**
 * A running test server. Close it with `await using` or `close()`.
 *
 * @example Looking at what the server holds
 * ```ts
 * import { startTusServer } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer();
 * const response = await fetch(server.url, {
 *   method: "POST",
 *   headers: { "Tus-Resumable": "1.0.0", "Upload-Defer-Length": "1" },
 * });
 * await response.body?.cancel();
 * const url = response.headers.get("Location") ?? "";
 * console.log(server.uploadOf(url)?.length, server.bytesOf(url)?.length); // null 0
 * console.log(server.uploads().length, server.requests.length); // 1 1
 * ```
 */
export interface TusServer extends AsyncDisposable {
  /** The creation endpoint, e.g. `http://127.0.0.1:41234/files/`. */
  readonly url: string;
  /** Fault injection for the next requests. */
  readonly faults: Faults;
  /** Every request, in order, logged before its answer was sent. */
  readonly requests: readonly RequestLogEntry[];
  /** Requests that arrived and are not answered (nor dropped) yet. */
  readonly inFlight: number;
  /** The storage behind the server. */
  readonly store: UploadStore;
  /** The implementation serving (`deno`, `bun` or `node`). */
  readonly runtime: ServeRuntime;
  /** The stored bytes of an upload, joined; `null` if unknown, gone or discarded. */
  bytesOf(uploadUrl: string): Uint8Array | null;
  /** An upload's state, `null` if unknown. */
  uploadOf(uploadUrl: string): UploadSnapshot | null;
  /** Every upload created, oldest first. */
  uploads(): UploadSnapshot[];
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts a real tus 1.0.0 server (Hono) for tests, on `127.0.0.1` and a free
 * port unless told otherwise.
 *
 * @param options Address, protocol settings, storage.
 * @returns The running server.
 * @throws {TypeError} For a `basePath` that does not start with `/`.
 * @throws {RangeError} For unknown extensions or algorithms, or bad sizes.
 * @example Creating an upload with raw fetch
 * ```ts
 * import { startTusServer } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer({ maxSize: 1024 });
 * const response = await fetch(server.url, {
 *   method: "POST",
 *   headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "5" },
 * });
 * await response.body?.cancel();
 * const location = response.headers.get("Location") ?? "";
 * console.log(response.status, server.uploadOf(location)?.length); // 201 5
 * ```
 */
export function startTusServer(options?: TusServerOptions): Promise<TusServer>;
/**
 * Starts a draft-ietf-httpbis-resumable-upload server instead: the same as
 * {@linkcode startDraftServer}.
 *
 * @param options `protocol: "ietf-draft"` plus the draft server's options.
 * @returns The running draft server.
 * @throws {RangeError} For a bad interop version, limit or base path.
 * @example
 * ```ts
 * import { startTusServer } from "@tusflow/client/testing";
 * await using server = await startTusServer({ protocol: "ietf-draft" });
 * console.log(server.protocol, server.interopVersion); // "ietf-draft" 9
 * ```
 */
export function startTusServer(
  options: DraftServerOptions & { protocol: "ietf-draft" },
): Promise<DraftServer>;
export async function startTusServer(
  given: TusServerOptions | (DraftServerOptions & { protocol: "ietf-draft" }) =
    {},
): Promise<TusServer | DraftServer> {
  if (given.protocol === "ietf-draft") return await startDraftServer(given);
  const options = given as TusServerOptions;
  const closing = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, closing.signal])
    : closing.signal;
  const tus = createTusApp({ ...options, signal });
  const served = await serve(
    (request, connection) => tus.app.fetch(request, { connection }),
    {
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
      runtime: options.runtime,
      relay: options.cutConnections ?? true,
    },
  );
  const host = served.hostname.includes(":")
    ? `[${served.hostname}]`
    : served.hostname;
  let closed: Promise<void> | null = null;
  const close = () => {
    closing.abort();
    closed ??= served.close();
    return closed;
  };
  return {
    url: `http://${host}:${served.port}${tus.basePath}`,
    faults: tus.faults,
    requests: tus.requests,
    get inFlight() {
      return tus.inFlight;
    },
    store: tus.store,
    runtime: served.runtime,
    bytesOf: tus.bytesOf,
    uploadOf: tus.uploadOf,
    uploads: () =>
      tus.store.list().map((upload) =>
        tus.uploadOf(upload.url) as UploadSnapshot
      ),
    close,
    [Symbol.asyncDispose]: close,
  };
}
