/**
 * One HTTP server over Deno, Bun and Node, chosen at run time, for the
 * `./testing` tus server. Besides answering, a handler can drop its TCP
 * connection without an answer, so that tests can cut an upload mid-body:
 *
 * - Bun: `Bun.serve` sends nothing until the response body yields its first
 *   chunk, so a body that errors at once closes the socket (ECONNRESET).
 * - Node (`@hono/node-server`): the request's socket is reset.
 * - Deno: `Deno.serve` always writes the status line and offers no socket, so
 *   the server listens behind a loopback byte relay (`node:net`) whose client
 *   socket is reset. The relay costs about half the throughput of large
 *   uploads; without it (`relay: false`) a drop answers `500` whose body
 *   fails to read.
 *
 * @module
 */
import type { AddressInfo, Server as NetServer, Socket } from "node:net";

/**
 * The server implementations {@linkcode serve} can run.
 *
 * @example Forcing @hono/node-server
 * ```ts
 * import { serve, type ServeRuntime } from "./serve.ts";
 *
 * const runtime: ServeRuntime = "node";
 * const server = await serve(() => new Response("hi"), { runtime });
 * console.log(server.runtime); // "node"
 * await server.close();
 * ```
 */
export type ServeRuntime = "deno" | "bun" | "node";

/**
 * What a handler knows about, and can do to, the connection of a request.
 *
 * @example Dropping the connection of some requests
 * ```ts
 * import { serve, type ServeConnection } from "./serve.ts";
 *
 * const server = await serve((request: Request, connection: ServeConnection) =>
 *   request.url.endsWith("/cut") ? connection.drop() : new Response("ok")
 * );
 * const failed = await fetch(`http://127.0.0.1:${server.port}/cut`).catch(() => null);
 * console.log(failed); // null
 * await server.close();
 * ```
 */
export interface ServeConnection {
  /**
   * Aborts once the client's connection is closed, so that a handler can
   * give up on a request nobody waits for. Never aborts on Deno without the
   * relay.
   */
  readonly signal: AbortSignal;
  /**
   * Resets the TCP connection without answering: the client's `fetch`
   * rejects with a network error. Return the Response it gives from the
   * handler; it is never sent (except as described in the module doc).
   */
  drop(): Response;
}

/** Answers one request. */
export type ServeHandler = (
  request: Request,
  connection: ServeConnection,
) => Response | Promise<Response>;

/** Options of {@linkcode serve}. */
export interface ServeOptions {
  /** Interface to listen on. @default {"127.0.0.1"} */
  hostname?: string;
  /** Port to listen on; 0 picks a free one. @default {0} */
  port?: number;
  /** Server implementation. @default {the current runtime} */
  runtime?: ServeRuntime;
  /** Deno only: listen behind a relay so that `drop()` really drops. @default {true} */
  relay?: boolean;
}

/** A listening server. */
export interface ServedHttp {
  /** The address it listens on. */
  readonly hostname: string;
  /** The port it listens on (the relay's on Deno). */
  readonly port: number;
  /** The implementation that serves. */
  readonly runtime: ServeRuntime;
  /** Whether `drop()` closes the connection before any status line. */
  readonly dropsConnections: boolean;
  /** Stops listening, closes every connection and resolves once stopped. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server for `handler`.
 *
 * @param respond Answers each request; may call `connection.drop()`.
 * @param options Address, port and implementation.
 * @returns The listening server.
 * @throws {Error} When the address cannot be bound.
 *
 * @example Serving on a free loopback port
 * ```ts
 * import { serve } from "./serve.ts";
 *
 * const server = await serve(() => new Response("hi"), { port: 0 });
 * const response = await fetch(`http://127.0.0.1:${server.port}/`);
 * console.log(await response.text()); // "hi"
 * await server.close();
 * ```
 */
export async function serve(
  respond: ServeHandler,
  options: ServeOptions = {},
): Promise<ServedHttp> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 0;
  const runtime = options.runtime ?? currentRuntime();
  const handler: ServeHandler = async (request, connection) => {
    try {
      return await respond(request, connection);
    } catch (error) {
      return internalError(error);
    }
  };
  if (runtime === "deno") {
    return await serveDeno(handler, hostname, port, options.relay ?? true);
  }
  if (runtime === "bun") return serveBun(handler, hostname, port);
  return await serveNode(handler, hostname, port);
}

/**
 * A Response whose body fails before its first byte: how a bare fetch handler
 * comes closest to dropping its connection. Bun drops the connection; Deno
 * and Node send the `500` status line, then abort the body.
 *
 * @returns The response to return from a handler.
 * @example Dropping from a handler that has no connection at hand
 * ```ts
 * import { dropResponse } from "./serve.ts";
 *
 * const handler = (_request: Request) => dropResponse();
 * console.log(handler(new Request("http://localhost/")).status); // 500
 * ```
 */
export function dropResponse(): Response {
  // An error without a value: Bun logs errored bodies that carry one.
  const body = new ReadableStream<Uint8Array>({ pull: (c) => c.error() });
  return new Response(body, { status: 500 });
}

function currentRuntime(): ServeRuntime {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

const NEVER: AbortSignal = new AbortController().signal;
const UNCONNECTED: ServeConnection = { signal: NEVER, drop: dropResponse };

/** A signal that aborts when `socket` closes (one per socket). */
const socketSignals = new WeakMap<Socket, AbortSignal>();
function closedSignal(socket: Socket): AbortSignal {
  let signal = socketSignals.get(socket);
  if (!signal) {
    const controller = new AbortController();
    if (socket.destroyed) controller.abort();
    else socket.once("close", () => controller.abort());
    signal = controller.signal;
    socketSignals.set(socket, signal);
  }
  return signal;
}

function internalError(error: unknown): Response {
  const reason = error instanceof Error ? error.message : String(error);
  return new Response(`Cannot answer request: ${reason}`, { status: 500 });
}

async function serveDeno(
  handler: ServeHandler,
  hostname: string,
  port: number,
  relay: boolean,
): Promise<ServedHttp> {
  const pairs = new Map<number, [client: Socket, upstream: Socket]>();
  const server = Deno.serve({
    hostname,
    port: relay ? 0 : port,
    onListen() {}, // no "Listening on" line
    onError: internalError,
  }, (request, info) => {
    const sockets = pairs.get(info.remoteAddr.port);
    if (!sockets) return handler(request, UNCONNECTED);
    return handler(request, {
      signal: closedSignal(sockets[0]),
      drop() {
        for (const socket of sockets) resetSocket(socket);
        return new Response(null, { status: 500 });
      },
    });
  });
  if (!relay) {
    return {
      hostname,
      port: server.addr.port,
      runtime: "deno",
      dropsConnections: false,
      close: () => server.shutdown(),
    };
  }
  const net = await import("node:net");
  const live = new Set<Socket>(); // to close even half-open pairs
  const relayServer = net.createServer({ pauseOnConnect: true }, (client) => {
    live.add(client);
    client.once("close", () => live.delete(client));
    client.setNoDelay(true);
    client.on("error", () => {});
    const upstream = net.connect(server.addr.port, hostname, () => {
      const localPort = upstream.localPort ?? -1;
      pairs.set(localPort, [client, upstream]);
      upstream.once("close", () => pairs.delete(localPort));
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.setNoDelay(true);
    upstream.on("error", () => {});
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  try {
    await listen(relayServer, hostname, port);
  } catch (error) {
    await server.shutdown();
    throw error;
  }
  return {
    hostname,
    port: (relayServer.address() as AddressInfo).port,
    runtime: "deno",
    dropsConnections: true,
    async close() {
      const closed = new Promise((resolve) => relayServer.close(resolve));
      for (const socket of live) socket.destroy(); // its upstream follows
      await Promise.all([closed, server.shutdown()]);
    },
  };
}

function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

function listen(
  server: NetServer,
  hostname: string,
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The part of `Bun.serve` used here (Bun's types are not loaded). */
interface BunLike {
  serve(options: {
    hostname: string;
    port: number;
    maxRequestBodySize: number;
    fetch(request: Request): Response | Promise<Response>;
    error(error: unknown): Response;
  }): { port: number; stop(closeActive: boolean): Promise<void> | void };
}

function serveBun(
  handler: ServeHandler,
  hostname: string,
  port: number,
): ServedHttp {
  const bun = (globalThis as unknown as { Bun?: BunLike }).Bun;
  if (!bun) throw new Error("Cannot serve with Bun: this runtime is not Bun");
  const server = bun.serve({
    hostname,
    port,
    // The default 128 MiB limit would refuse a large streamed PATCH.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch: (request) =>
      handler(request, { signal: request.signal, drop: dropResponse }),
    error: internalError,
  });
  return {
    hostname,
    port: server.port,
    runtime: "bun",
    dropsConnections: true,
    async close() {
      await server.stop(true);
    },
  };
}

async function serveNode(
  handler: ServeHandler,
  hostname: string,
  port: number,
): Promise<ServedHttp> {
  const { createAdaptorServer } = await import("@hono/node-server");
  const server = createAdaptorServer({
    hostname,
    port,
    overrideGlobalObjects: false, // leave the process's Request and Response alone
    fetch: (request, env) =>
      handler(request, {
        signal: env.incoming.socket
          ? closedSignal(env.incoming.socket as Socket)
          : NEVER,
        drop() {
          const socket = env.incoming.socket as Socket | undefined;
          if (!socket) return dropResponse();
          resetSocket(socket);
          return new Response(null, { status: 500 }); // never sent
        },
      }),
  }) as unknown as NetServer & {
    closeAllConnections?: () => void;
  };
  await listen(server, hostname, port);
  return {
    hostname,
    port: (server.address() as AddressInfo).port,
    runtime: "node",
    dropsConnections: true,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections?.();
      await closed;
    },
  };
}
