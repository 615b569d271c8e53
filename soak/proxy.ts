/**
 * A fault-injecting loopback HTTP/1.1 proxy (`node:net`) between a tus
 * client and a tus server. Each request is tagged with its upload by a
 * header; each upload draws its faults from its own seeded generator, so a
 * seed replays the same faults in the same order of requests.
 *
 * One request per connection: every answer carries `Connection: close`, so
 * a fault can cut a connection without touching other requests.
 *
 * @module
 */
import net, { type AddressInfo, type Socket } from "node:net";
import { Prng } from "./prng.ts";
import {
  encodeChunk,
  encodeHead,
  type Framing,
  headerOf,
  LAST_CHUNK,
  type MessageHead,
  requestFraming,
  responseFraming,
  rewriteHead,
  SocketReader,
  write,
} from "./_wire.ts";

/** Every fault the proxy can inject. */
export const FAULT_KINDS = [
  /** 500/502/503/504 answered by the proxy; the server sees nothing. */
  "status-5xx",
  /** 503 with `Retry-After: 0` or `1`; the server sees nothing. */
  "status-5xx-retry-after",
  /** The server handled the request; the client gets a 502 instead. */
  "status-5xx-after-store",
  /** 423 Locked; the server sees nothing. */
  "status-423",
  /** 429 Too Many Requests (sometimes with `Retry-After: 0`). */
  "status-429",
  /** The connection is cut mid-request: mid-body when there is one. */
  "cut",
  /** The server handled the request; the answer is lost (connection cut). */
  "lost-response",
  /** PATCH answered 409 without an `Upload-Offset`; the server sees nothing. */
  "conflict-409",
  /** PATCH: the server stored only a prefix of the body; the client gets 409. */
  "conflict-409-partial",
  /** PATCH with `Upload-Checksum`: one byte flipped, so the server answers 460. */
  "corrupt-checksum",
  /** 20–400 ms before the request goes on unchanged. */
  "latency",
  /** Held past the client's timeout, forwarded first or not at all. */
  "hang",
] as const;

/** One fault the proxy can inject. */
export type FaultKind = typeof FAULT_KINDS[number];

/** What the proxy does to the requests of one upload. */
export interface UploadPolicy {
  /** Seed of this upload's fault draws. */
  readonly seed: number;
  /** Chance that a PATCH gets a fault, 0–1. */
  readonly rate: number;
  /** Chance for every other request (OPTIONS, POST, HEAD…). @default {rate} */
  readonly otherRate?: number;
  /** Most faults for this upload; past them every request passes. */
  readonly maxFaults: number;
  /** Faults to choose from. @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** Faults for the next requests, in order, before any draw (`null`: none). */
  readonly script?: ReadonlyArray<FaultKind | null>;
  /** The client's request timeout in ms: a hang lasts a little longer. */
  readonly clientTimeoutMs: number;
  /** Sees each request of the upload as it arrives (counting from 1). */
  readonly onRequest?: (request: { method: string; index: number }) => void;
}

/** Options of {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** The server's origin, e.g. `http://127.0.0.1:1080`. */
  readonly upstream: string;
  /** Header naming a request's upload. @default {"x-soak-upload"} */
  readonly header?: string;
  /** Allow `corrupt-checksum` (only against a server that checks). @default {true} */
  readonly corrupt?: boolean;
  /** Longest a hang lasts whatever the timeout, ms. @default {60_000} */
  readonly maxHangMs?: number;
  /** Sees one line per request once it is answered (or cut), for `--trace`. */
  readonly trace?: (line: string) => void;
}

/** A running proxy; close it with `await using` or `close()`. */
export interface FaultProxy extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Faults injected so far, by kind. */
  readonly faults: Readonly<Record<FaultKind, number>>;
  /** Requests seen so far. */
  readonly requestCount: number;
  /** Sets the policy of an upload; `null` lets its requests pass unchanged. */
  setPolicy(upload: string, policy: UploadPolicy | null): void;
  /** Faults injected for one upload, in order. */
  faultsOf(upload: string): readonly FaultKind[];
  /** `Location`s of the 201 answers that reached the client, for one upload. */
  locationsOf(upload: string): readonly string[];
  /**
   * PATCHes of one upload sent again: same URL, same `Upload-Offset` as an
   * earlier one (client retries, and runtime re-sends).
   */
  resentOf(upload: string): number;
  /** Forgets what was seen of an upload (locations, re-sends). */
  forget(upload: string): void;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

interface UploadState {
  readonly policy: UploadPolicy;
  readonly prng: Prng;
  readonly script: Array<FaultKind | null>;
  requests: number;
  injected: FaultKind[];
}

interface Decision {
  readonly kind: FaultKind | null;
  readonly prng: Prng;
  readonly policy: UploadPolicy | null;
}

const IDLE_MS = 120_000;
const RESPONSE_LIMIT = 4 * 1024 * 1024;
const HOP_HEADERS = ["connection", "keep-alive", "proxy-connection"];
const TRACED = [
  "upload-offset",
  "upload-length",
  "upload-defer-length",
  "content-length",
  "upload-concat",
];

/**
 * Starts the proxy on `127.0.0.1` and a free port.
 *
 * @example A 503 for the first request of upload "u1"
 * ```ts ignore
 * import { startFaultProxy } from "./proxy.ts";
 *
 * await using proxy = await startFaultProxy({ upstream: "http://127.0.0.1:1080" });
 * proxy.setPolicy("u1", {
 *   seed: 1, rate: 0, maxFaults: 1, clientTimeoutMs: 1000, script: ["status-5xx"],
 * });
 * const response = await fetch(`${proxy.origin}/files/`, {
 *   method: "OPTIONS", headers: { "x-soak-upload": "u1" },
 * });
 * console.log(response.status >= 500); // true
 * ```
 */
export async function startFaultProxy(
  options: FaultProxyOptions,
): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const upstreamPort = Number(upstream.port || 80);
  const upstreamHost = upstream.hostname;
  const tag = (options.header ?? "x-soak-upload").toLowerCase();
  const corrupt = options.corrupt ?? true;
  const maxHangMs = options.maxHangMs ?? 60_000;
  const uploads = new Map<string, UploadState>();
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<
    FaultKind,
    number
  >;
  const live = new Set<Socket>();
  const locations = new Map<string, string[]>();
  const patches = new Map<string, { keys: Set<string>; resent: number }>();
  const closing = new AbortController();
  let requestCount = 0;

  const decide = (head: MessageHead, method: string): Decision => {
    const id = headerOf(head, tag) ?? "";
    const state = uploads.get(id);
    const fallback = new Prng(0);
    if (!state) return { kind: null, prng: fallback, policy: null };
    state.requests += 1;
    state.policy.onRequest?.({ method, index: state.requests });
    const applicable = applicableKinds(head, method, corrupt)
      .filter((kind) => state.policy.kinds?.includes(kind) ?? true);
    let kind: FaultKind | null = null;
    if (state.script.length > 0) {
      kind = state.script.shift() ?? null;
    } else if (
      state.injected.length < state.policy.maxFaults &&
      state.prng.chance(
        method === "PATCH"
          ? state.policy.rate
          : state.policy.otherRate ?? state.policy.rate,
      ) && applicable.length > 0
    ) {
      kind = state.prng.pick(applicable);
    }
    if (kind !== null) {
      state.injected.push(kind);
      faults[kind] += 1;
    }
    return { kind, prng: state.prng, policy: state.policy };
  };

  const handle = async (client: Socket): Promise<void> => {
    const reader = new SocketReader(client);
    const head = await reader.readHead();
    if (head === null) return;
    requestCount += 1;
    const method = head.startLine.split(" ")[0] ?? "";
    const framing = requestFraming(head);
    const decision = decide(head, method);
    if (method === "PATCH") {
      const id = headerOf(head, tag) ?? "";
      const seen = patches.get(id) ?? { keys: new Set(), resent: 0 };
      patches.set(id, seen);
      const key = `${head.startLine} ${headerOf(head, "upload-offset")}`;
      if (seen.keys.has(key)) seen.resent += 1;
      seen.keys.add(key);
    }
    const exchange: Exchange = {
      answered: "no answer (cut)",
      location: null,
      client,
      reader,
      head,
      method,
      framing,
      prng: decision.prng,
      connect: () => connectUpstream(upstreamHost, upstreamPort, live),
      closing: closing.signal,
    };
    try {
      await applyFault(exchange, decision, maxHangMs);
      if (exchange.location !== null) {
        const id = headerOf(head, tag) ?? "";
        locations.set(id, [...(locations.get(id) ?? []), exchange.location]);
      }
    } finally {
      options.trace?.(
        `${headerOf(head, tag) ?? "-"} ${
          head.startLine.replace(/ HTTP.*$/, "")
        } ${
          TRACED.map((name) => [name, headerOf(head, name)])
            .filter(([, value]) => value !== null)
            .map(([name, value]) => `${name}=${value}`)
            .join(" ")
        } fault=${decision.kind ?? "-"} -> ${exchange.answered}`,
      );
    }
  };

  const server = net.createServer((client) => {
    live.add(client);
    client.setNoDelay(true);
    client.setTimeout(IDLE_MS, () => client.destroy());
    client.on("error", () => {});
    client.once("close", () => live.delete(client));
    handle(client).catch(() => {}).finally(() => {
      if (!client.destroyed) client.end();
      // A client that never reads its answer must not hold the socket.
      setTimeout(() => client.destroy(), 5_000).unref?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;
  const close = () => {
    closing.abort();
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of live) socket.destroy();
    });
    return closed;
  };
  return {
    origin: `http://127.0.0.1:${port}`,
    faults,
    get requestCount() {
      return requestCount;
    },
    setPolicy(upload, policy) {
      if (policy === null) {
        uploads.delete(upload);
        return;
      }
      uploads.set(upload, {
        policy,
        prng: new Prng(policy.seed),
        script: [...(policy.script ?? [])],
        requests: 0,
        injected: [],
      });
    },
    faultsOf: (upload) => [...(uploads.get(upload)?.injected ?? [])],
    locationsOf: (upload) => [...(locations.get(upload) ?? [])],
    resentOf: (upload) => patches.get(upload)?.resent ?? 0,
    forget(upload) {
      locations.delete(upload);
      patches.delete(upload);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The faults that make sense for this request. */
function applicableKinds(
  head: MessageHead,
  method: string,
  corrupt: boolean,
): FaultKind[] {
  const kinds: FaultKind[] = [
    "status-5xx",
    "status-5xx-retry-after",
    "status-5xx-after-store",
    "status-423",
    "status-429",
    "cut",
    "lost-response",
    "latency",
    "hang",
  ];
  const length = Number(headerOf(head, "content-length") ?? "0");
  if (method === "PATCH") {
    kinds.push("conflict-409");
    if (length > 1) kinds.push("conflict-409-partial");
    if (corrupt && length > 0 && headerOf(head, "upload-checksum") !== null) {
      kinds.push("corrupt-checksum");
    }
  }
  return kinds;
}

interface Exchange {
  /** What the client got, for the trace. */
  answered: string;
  /** The `Location` of a 201 relayed to the client. */
  location: string | null;
  readonly client: Socket;
  readonly reader: SocketReader;
  readonly head: MessageHead;
  readonly method: string;
  readonly framing: Framing;
  readonly prng: Prng;
  readonly connect: () => Promise<Socket>;
  readonly closing: AbortSignal;
}

interface UpstreamAnswer {
  readonly head: MessageHead;
  readonly body: Uint8Array;
}

async function applyFault(
  x: Exchange,
  decision: Decision,
  maxHangMs: number,
): Promise<void> {
  const { prng } = x;
  switch (decision.kind) {
    case null:
      return await relay(x, await forward(x, {}));
    case "latency":
      await sleep(prng.int(20, 400), x.closing);
      return await relay(x, await forward(x, {}));
    case "status-5xx":
      await drain(x);
      return await answer(x, prng.pick([500, 502, 503, 504]), []);
    case "status-5xx-retry-after":
      await drain(x);
      return await answer(x, 503, [["Retry-After", prng.pick(["0", "1"])]]);
    case "status-5xx-after-store":
      await forward(x, {});
      return await answer(x, 502, []);
    case "status-423":
      await drain(x);
      return await answer(x, 423, []);
    case "status-429": {
      await drain(x);
      const wait: Array<[string, string]> = prng.chance(0.5)
        ? [["Retry-After", "0"]]
        : [];
      return await answer(x, 429, wait);
    }
    case "cut":
      // Without a body, the server never sees the request.
      if (x.framing.kind !== "none") {
        await forward(x, { cutAfter: cutPoint(x.framing, prng) });
      }
      x.client.destroy();
      return;
    case "lost-response":
      await forward(x, {});
      x.client.destroy();
      return;
    case "conflict-409":
      await drain(x);
      return await answer(x, 409, []);
    case "conflict-409-partial": {
      const length = x.framing.kind === "length" ? x.framing.length : 2;
      await forward(x, { keepOnly: prng.int(1, length - 1) });
      return await answer(x, 409, []);
    }
    case "corrupt-checksum": {
      const length = x.framing.kind === "length" ? x.framing.length : 1;
      const at = prng.int(0, length - 1);
      return await relay(x, await forward(x, { flipAt: at }));
    }
    case "hang": {
      const stored = prng.chance(0.5);
      if (stored) await forward(x, {});
      // Keep reading, to see the client give up.
      (stored
        ? x.reader.readSome(1)
        : drain(x).then(() => x.reader.readSome(1)))
        .catch(() => {});
      const timeout = decision.policy?.clientTimeoutMs ?? 1_000;
      await waitForClose(x.client, Math.min(timeout + 2_000, maxHangMs));
      x.client.destroy();
      return;
    }
  }
}

interface ForwardOptions {
  /** Cut both connections after this many body bytes (no answer). */
  readonly cutAfter?: number;
  /** Send only this many body bytes, as a complete (chunked) request. */
  readonly keepOnly?: number;
  /** Flip the byte at this body position. */
  readonly flipAt?: number;
}

/**
 * Sends the request upstream (reading the client's whole body) and reads the
 * answer; `null` when the request was cut or the server did not answer.
 */
async function forward(
  x: Exchange,
  options: ForwardOptions,
): Promise<UpstreamAnswer | null> {
  let upstream: Socket;
  try {
    upstream = await x.connect();
  } catch {
    await drain(x);
    return null;
  }
  const onClientClose = () => upstream.destroy();
  x.client.once("close", onClientClose);
  try {
    const truncating = options.keepOnly !== undefined;
    const chunked = truncating || x.framing.kind === "chunked";
    const head = rewriteHead(
      x.head,
      truncating
        ? [...HOP_HEADERS, "content-length", "upload-checksum"]
        : HOP_HEADERS,
      truncating
        ? [["Transfer-Encoding", "chunked"], ["Connection", "close"]]
        : [["Connection", "close"]],
    );
    await write(upstream, encodeHead(head));
    const limit = options.cutAfter ?? options.keepOnly ?? Infinity;
    let sent = 0;
    for await (let piece of x.reader.body(x.framing)) {
      if (sent >= limit) continue; // keepOnly: the rest is read and dropped
      if (sent + piece.length > limit) {
        const tail = piece.subarray(0, limit - sent);
        await write(upstream, chunked ? encodeChunk(tail) : tail);
        sent = limit;
        if (options.cutAfter !== undefined) {
          upstream.destroy();
          return null;
        }
        continue;
      }
      if (
        options.flipAt !== undefined && options.flipAt >= sent &&
        options.flipAt < sent + piece.length
      ) {
        piece = new Uint8Array(piece);
        const at = options.flipAt - sent;
        piece[at] = (piece[at] as number) ^ 0xff;
      }
      await write(upstream, chunked ? encodeChunk(piece) : piece);
      sent += piece.length;
    }
    if (options.cutAfter !== undefined) { // the body was shorter than the cut
      upstream.destroy();
      return null;
    }
    if (chunked) await write(upstream, LAST_CHUNK);
    return await readAnswer(upstream, x.method);
  } catch {
    return null;
  } finally {
    x.client.off("close", onClientClose);
    upstream.destroy();
  }
}

async function readAnswer(
  upstream: Socket,
  method: string,
): Promise<UpstreamAnswer | null> {
  const reader = new SocketReader(upstream);
  let head = await reader.readHead();
  // Interim answers (1xx) are dropped: the client gets the final one.
  while (head !== null && /^HTTP\/1\.\d 1\d\d/.test(head.startLine)) {
    head = await reader.readHead();
  }
  if (head === null) return null;
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of reader.body(responseFraming(head, method))) {
    size += piece.length;
    if (size > RESPONSE_LIMIT) return null;
    pieces.push(piece);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    body.set(piece, at);
    at += piece.length;
  }
  return { head, body };
}

/** Passes the server's answer on, or cuts the client when there is none. */
async function relay(x: Exchange, reply: UpstreamAnswer | null): Promise<void> {
  if (reply === null) {
    x.client.destroy();
    return;
  }
  const offset = headerOf(reply.head, "upload-offset");
  const length = headerOf(reply.head, "upload-length");
  x.answered = `${reply.head.startLine.split(" ")[1]}${
    offset === null ? "" : ` offset=${offset}`
  }${length === null ? "" : ` length=${length}`}`;
  const head = rewriteHead(
    reply.head,
    [...HOP_HEADERS, "content-length", "transfer-encoding"],
    [
      ...(x.method === "HEAD"
        ? [] as Array<[string, string]>
        : [["Content-Length", String(reply.body.length)] as [string, string]]),
      ["Connection", "close"],
    ],
  );
  const keepLength = x.method === "HEAD"
    ? reply.head.headers.filter(([k]) => k.toLowerCase() === "content-length")
    : [];
  await write(
    x.client,
    encodeHead({ ...head, headers: [...head.headers, ...keepLength] }),
  );
  if (x.method !== "HEAD") await write(x.client, reply.body);
  if (reply.head.startLine.split(" ")[1] === "201") {
    x.location = headerOf(reply.head, "location");
  }
}

/** Answers from the proxy itself (the request never reached the server). */
async function answer(
  x: Exchange,
  status: number,
  extra: Array<[string, string]>,
): Promise<void> {
  x.answered = `${status} (injected)`;
  const body = new TextEncoder().encode(
    `Cannot handle request: injected ${status}`,
  );
  const head: MessageHead = {
    startLine: `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    headers: [
      ["Content-Type", "text/plain"],
      ["Tus-Resumable", "1.0.0"],
      ...extra,
      ["Content-Length", String(body.length)],
      ["Connection", "close"],
    ],
  };
  await write(x.client, encodeHead(head));
  if (x.method !== "HEAD") await write(x.client, body);
}

const REASONS: Record<number, string> = {
  409: "Conflict",
  423: "Locked",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Reads and drops the client's body. */
async function drain(x: Exchange): Promise<void> {
  try {
    for await (const _ of x.reader.body(x.framing)) { /* dropped */ }
  } catch { /* the client went away */ }
}

function cutPoint(framing: Framing, prng: Prng): number {
  if (framing.kind === "length") return prng.int(0, framing.length - 1);
  if (framing.kind === "chunked") return prng.int(0, 64 * 1024);
  return 0;
}

function connectUpstream(
  host: string,
  port: number,
  live: Set<Socket>,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    live.add(socket);
    socket.once("close", () => live.delete(socket));
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.on("error", () => {});
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

function waitForClose(socket: Socket, limitMs: number): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, limitMs);
    socket.once("close", done);
    function done() {
      clearTimeout(timer);
      socket.off("close", done);
      resolve();
    }
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
