/**
 * TLS per runtime: a fetch that accepts any server certificate
 * (`verifyTlsCert: false`), and certificate failures named clearly.
 *
 * - Bun: `fetch(…, { tls: { rejectUnauthorized: false } })`.
 * - Node: an undici `Agent({ connect: { rejectUnauthorized: false } })` as the
 *   `dispatcher`: the Agent class that Node's own fetch is built on (the same
 *   undici version, no dependency), else the `undici` package if installed.
 * - Deno: its `fetch` verifies always (only the process-wide
 *   `--unsafely-ignore-certificate-errors` flag turns that off, and
 *   `Deno.createHttpClient` has no such option), so requests to `https:` go
 *   through `node:https` with `rejectUnauthorized: false`. That transport sends
 *   a `Content-Length` with every body whose length it knows: bytes, a
 *   `Blob` or a string given as `init.body`, a request whose caller set
 *   `Content-Length`, or a body stream that ends within 16 MiB (read ahead
 *   to learn its length). Only a longer stream of unknown length goes
 *   chunked. It does not follow redirects. An injected `fetch` cannot be
 *   changed there: that is a clear error.
 * - Browsers always verify: a clear error.
 *
 * Everything runtime-specific is loaded lazily and without an import
 * statement, so this module loads anywhere and bundles for browsers as is.
 *
 * @module
 */
import type { Agent as HttpsAgent } from "node:https";
import type { IncomingMessage } from "node:http";

import { bodyLength } from "./body_length.ts";

export { bodyLength } from "./body_length.ts";
export { describeTlsFailure } from "./tls_failure.ts";

type Runtime = "deno" | "bun" | "node" | "other";
type FetchInit = RequestInit & Record<string, unknown>;

/**
 * A fetch that accepts any server certificate, built on `base`.
 *
 * @param base The fetch to send requests with.
 * @returns A fetch with certificate verification turned off.
 * @throws {Error} naming what to do instead where the runtime cannot.
 */
export function insecureFetch(base: typeof fetch): typeof fetch {
  const runtime = currentRuntime();
  if (runtime === "bun") return bunInsecureFetch(base);
  if (runtime === "node") return nodeInsecureFetch(base);
  if (runtime === "deno") return denoInsecureFetch(base);
  throw new Error(
    "Cannot use verifyTlsCert: false: this runtime (a browser?) always verifies TLS certificates; make the system or browser trust the certificate instead",
  );
}

function currentRuntime(): Runtime {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  const process = (globalThis as { process?: { versions?: { node?: string } } })
    .process;
  return process?.versions?.node ? "node" : "other";
}

function bunInsecureFetch(base: typeof fetch): typeof fetch {
  const send = base;
  return ((input: RequestInfo | URL, init?: FetchInit) => {
    const tls = (init?.tls ?? {}) as Record<string, unknown>;
    const options: FetchInit = {
      ...init,
      tls: { ...tls, rejectUnauthorized: false },
    };
    return send(input, options);
  }) as typeof fetch;
}

function nodeInsecureFetch(base: typeof fetch): typeof fetch {
  const send = base;
  let dispatcher: Promise<unknown> | undefined;
  return (async (input: RequestInfo | URL, init?: FetchInit) => {
    dispatcher ??= loadInsecureDispatcher();
    const options: FetchInit = { ...init, dispatcher: await dispatcher };
    return await send(input, options);
  }) as typeof fetch;
}

/** Where {@linkcode loadInsecureDispatcher} finds undici's `Agent`. */
export type AgentSource = "package" | "builtin";

/**
 * An undici `Agent` that skips certificate verification, for Node's fetch.
 *
 * @param sources Where to look, in order: by default the Agent class behind
 *   Node's global fetch, then the `undici` package.
 * @returns The dispatcher to pass as fetch's `dispatcher` option.
 * @throws {Error} when no source has an `Agent`.
 */
export async function loadInsecureDispatcher(
  sources: readonly AgentSource[] = ["builtin", "package"],
): Promise<unknown> {
  const options = { connect: { rejectUnauthorized: false } };
  for (const source of sources) {
    const Agent = source === "package"
      ? await packageAgent()
      : await builtinAgent();
    if (Agent) return new Agent(options);
  }
  throw new Error(
    "Cannot use verifyTlsCert: false on Node: no undici Agent was found; install the undici package",
  );
}

type AgentClass = new (options: unknown) => unknown;

async function packageAgent(): Promise<AgentClass | null> {
  // A computed specifier: bundlers and `deno check` leave the optional
  // package alone, and only Node ever reaches this line.
  const specifier = ["un", "dici"].join("");
  try {
    const undici = await import(specifier) as { Agent?: AgentClass };
    return typeof undici.Agent === "function" ? undici.Agent : null;
  } catch {
    return null;
  }
}

async function builtinAgent(): Promise<AgentClass | null> {
  // Node's fetch is undici; it sets its global dispatcher (an Agent) under
  // this well-known symbol on its first call. A `data:` URL makes that call
  // without any I/O.
  const key = Symbol.for("undici.globalDispatcher.1");
  const global = globalThis as unknown as Record<symbol, object | undefined>;
  if (!global[key]) await (await globalThis.fetch("data:,")).arrayBuffer();
  const Agent = global[key]?.constructor as AgentClass | undefined;
  return typeof Agent === "function" && Agent.name === "Agent" ? Agent : null;
}

function denoInsecureFetch(base: typeof fetch): typeof fetch {
  if (base !== globalThis.fetch) {
    throw new Error(
      "Cannot use verifyTlsCert: false with an injected fetch on Deno: Deno's fetch verifies certificates unless the process runs with --unsafely-ignore-certificate-errors; trust the certificate instead with fetch: (input, init) => fetch(input, { ...init, client: Deno.createHttpClient({ caCerts: [pem] }) }) and leave verifyTlsCert true",
    );
  }
  let agent: HttpsAgent | undefined;
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (new URL(request.url).protocol !== "https:") return await base(request);
    agent ??= new (nodeHttps().Agent)({
      keepAlive: true,
      rejectUnauthorized: false,
    });
    return await fetchOverHttps(request, agent, bodyLength(init?.body));
  }) as typeof fetch;
}

type NodeHttps = typeof import("node:https");

/**
 * `node:https` through `process.getBuiltinModule` (Deno 2, Node >= 20.16,
 * Bun): no import statement, so browser bundlers never meet `node:https`.
 */
function nodeHttps(): NodeHttps {
  const process = (globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
  }).process;
  const https = process?.getBuiltinModule?.("node:https") as
    | NodeHttps
    | undefined;
  if (!https) {
    throw new Error(
      "Cannot use verifyTlsCert: false: this runtime has no node:https",
    );
  }
  return https;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

async function fetchOverHttps(
  request: Request,
  agent: HttpsAgent,
  length: number | null,
): Promise<Response> {
  const https = nodeHttps();
  const signal = request.signal;
  signal.throwIfAborted();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => headers[name] = value);
  const body = await measuredBody(request, length, signal);
  // Without it, node:https sends the body chunked.
  if (body.length !== null) headers["content-length"] = String(body.length);
  return await new Promise<Response>((resolve, reject) => {
    const outgoing = https.request(request.url, {
      method: request.method,
      headers,
      agent,
      rejectUnauthorized: false,
    }, (incoming) => {
      const status = incoming.statusCode ?? 0;
      if (
        request.redirect === "error" && status >= 300 && status < 400 &&
        incoming.headers.location
      ) {
        incoming.destroy();
        reject(
          new TypeError(
            `Cannot follow redirect ${status}: redirect is "error"`,
          ),
        );
        return;
      }
      const responseHeaders = new Headers();
      const raw = incoming.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        responseHeaders.append(raw[i] as string, raw[i + 1] as string);
      }
      const empty = NULL_BODY_STATUSES.has(status) || request.method === "HEAD";
      if (empty) incoming.resume();
      resolve(
        new Response(empty ? null : toWebStream(incoming, signal), {
          status,
          statusText: incoming.statusMessage,
          headers: responseHeaders,
        }),
      );
    });
    const abort = () => outgoing.destroy(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    outgoing.once("close", () => signal.removeEventListener("abort", abort));
    outgoing.once("error", reject);
    void writeBody(outgoing, body);
  });
}

/** Bytes of a body stream read ahead to learn its length (16 MiB). */
const READ_AHEAD_LIMIT = 16 * 1024 * 1024;

/** A request body: pieces already read, then the rest of its stream. */
interface MeasuredBody {
  /** The byte length, or `null` when it is unknown (sent chunked). */
  readonly length: number | null;
  readonly head: readonly Uint8Array[];
  readonly rest: ReadableStreamDefaultReader<Uint8Array> | null;
}

/**
 * The body of `request` with its length: `known` when given, else its
 * `Content-Length`, else what reading up to 16 MiB of it shows.
 */
async function measuredBody(
  request: Request,
  known: number | null,
  signal: AbortSignal,
): Promise<MeasuredBody> {
  if (!request.body) return { length: null, head: [], rest: null };
  const reader = request.body.getReader();
  const declared = request.headers.get("content-length");
  const length = known ??
    (declared !== null && /^\d+$/.test(declared) ? Number(declared) : null);
  if (length !== null) return { length, head: [], rest: reader };
  const head: Uint8Array[] = [];
  let size = 0;
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => {});
  while (size <= READ_AHEAD_LIMIT) {
    const { done, value } = await Promise.race([reader.read(), aborted]);
    if (done) return { length: size, head, rest: null };
    head.push(value);
    size += value.length;
  }
  return { length: null, head, rest: reader };
}

async function writeBody(
  outgoing: import("node:http").ClientRequest,
  body: MeasuredBody,
): Promise<void> {
  const write = async (piece: Uint8Array) => {
    if (outgoing.write(piece)) return;
    await new Promise<void>((resolve) => {
      outgoing.once("drain", resolve);
      outgoing.once("close", resolve);
    });
  };
  const reader = body.rest;
  try {
    for (const piece of body.head) {
      if (outgoing.destroyed) return;
      await write(piece);
    }
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      if (outgoing.destroyed) return;
      await write(value);
    }
    outgoing.end();
  } catch (error) {
    outgoing.destroy(error as Error);
  } finally {
    reader?.releaseLock();
  }
}

function toWebStream(
  incoming: IncomingMessage,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        controller.error(error);
      };
      incoming.on("data", (chunk: Uint8Array) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 1) <= 0) incoming.pause();
      });
      incoming.once("end", () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      incoming.once("error", fail);
      incoming.once("close", () => fail(new TypeError("connection closed")));
      signal.addEventListener("abort", () => {
        fail(signal.reason);
        incoming.destroy();
      }, { once: true });
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      settled = true;
      incoming.destroy();
    },
  });
}
