/**
 * Test scaffolding shared by the @tus/server interop files: one peer process
 * per describe block, and a client that logs every exchange.
 *
 * @module
 */
import { after, before, describe, test } from "node:test";
import { TusClient, type TusClientOptions } from "../../mod.ts";
import {
  TusNodeServer,
  type TusNodeServerOptions,
  WATCH_LIMIT_MS,
} from "./_tus_node_server.ts";

/** Starting (bounded at 10 s) or stopping the peer, plus slack. */
const HOOK_TIMEOUT_MS = 15_000;

/** Registers one test that runs against the suite's peer. */
export type PeerTest = (
  name: string,
  body: (server: TusNodeServer) => Promise<void>,
  options?: { todo?: string },
) => void;

/**
 * A describe block with its own @tus/server. A test that finds the peer
 * dead (an earlier test crashed it) gets a fresh one, and a test during
 * which it dies fails with "@tus/server process died" and its stderr.
 */
export function peerSuite(
  name: string,
  options: TusNodeServerOptions,
  body: (peerTest: PeerTest) => void,
): void {
  describe(name, () => {
    let server: TusNodeServer | undefined;
    before(async () => {
      server = await TusNodeServer.start(options);
    }, { timeout: HOOK_TIMEOUT_MS });
    after(async () => {
      await server?.close();
    }, { timeout: HOOK_TIMEOUT_MS });
    body((testName, fn, testOptions = {}) => {
      // A backstop: watch() fails first, with a clearer message.
      const timeout = WATCH_LIMIT_MS + HOOK_TIMEOUT_MS;
      test(testName, { ...testOptions, timeout }, async () => {
        if (!server || !server.alive) {
          await server?.close();
          server = await TusNodeServer.start(options);
        }
        const current = server;
        await current.watch(() => fn(current));
      });
    });
  });
}

/** One exchange as the client saw it. */
export interface Exchange {
  /** `METHOD status`, e.g. `PATCH 204`. */
  line: string;
  /** The request's headers (a copy). */
  headers: Headers;
  /** The request's `Upload-Offset`, or `null`. */
  offset: string | null;
}

/** A client, its exchange log, and the log as `METHOD status` lines. */
export interface LoggingClient {
  client: TusClient;
  log: Exchange[];
  lines: () => string[];
}

/**
 * A client with fast retries and a short timeout that logs every exchange
 * that got an answer; a test reads the log to assert the request sequence.
 */
export function loggingClient(
  endpoint: string,
  options: TusClientOptions = {},
): LoggingClient {
  const log: Exchange[] = [];
  const client = new TusClient(endpoint, {
    retryDelay: 5,
    timeout: 5_000,
    onAfterResponse: (request, response) => {
      log.push({
        line: `${request.method} ${response.status}`,
        headers: new Headers(request.headers),
        offset: request.headers.get("Upload-Offset"),
      });
    },
    ...options,
  });
  return { client, log, lines: () => log.map((entry) => entry.line) };
}

/**
 * An `onBeforeRequest` hook that replaces the first PATCH's body with a
 * stream that sends `prefix` and then stalls until the request is aborted:
 * a connection that dies mid-body, at a byte the test knows.
 */
export function stallFirstPatch(
  prefix: Uint8Array,
): (request: Request) => Request | void {
  let stalled = false;
  return (request) => {
    if (request.method !== "PATCH" || stalled) return;
    stalled = true;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(prefix.slice());
      },
    });
    return new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body,
      signal: request.signal,
      redirect: request.redirect,
      duplex: "half",
    } as RequestInit);
  };
}

/** Polls `read` every 10 ms until it returns `want`, at most `limitMs`. */
export async function waitFor<T>(
  read: () => Promise<T>,
  want: T,
  limitMs = 3_000,
): Promise<T> {
  let seen = await read();
  for (let waited = 0; seen !== want && waited < limitMs; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    seen = await read();
  }
  return seen;
}
