/**
 * Fault injection for the test server: failed answers, cut connections,
 * conflicts, latency and vanished uploads; answers lost or replaced after a
 * chunk was stored; and @tus/server's ways with stale offsets and repeated
 * lengths.
 *
 * @module
 */

/**
 * Options of {@linkcode Faults.failNext}.
 *
 * @example Two 503 answers asking to retry at once
 * ```ts
 * import type { FailOptions } from "@tusflow/client/testing";
 *
 * const options: FailOptions = { status: 503, count: 2, method: "PATCH", retryAfter: "0" };
 * console.log(options.status); // 503
 * ```
 */
export interface FailOptions {
  /** The status to answer with. */
  status: number;
  /** How many matching requests to fail. @default {1} */
  count?: number;
  /** Only requests with this (effective) method match. @default {any} */
  method?: string;
  /** Value of a `Retry-After` header to send. */
  retryAfter?: string;
  /** Response body. @default {a message naming the fault} */
  body?: string;
}

/**
 * Options of {@linkcode Faults.cutNextPatch}.
 *
 * @example Cutting every PATCH after 1 KiB, keeping nothing
 * ```ts
 * import type { CutOptions } from "@tusflow/client/testing";
 *
 * const options: CutOptions = { afterBytes: 1024, count: Infinity, keep: false };
 * console.log(options.afterBytes); // 1024
 * ```
 */
export interface CutOptions {
  /** Body bytes to read before the connection is dropped. */
  afterBytes: number;
  /** How many PATCH requests to cut (`Infinity`: every one). @default {1} */
  count?: number;
  /**
   * Store the bytes read when the PATCH was valid, even with an
   * `Upload-Checksum` that can no longer be verified. @default {true}
   */
  keep?: boolean;
  /**
   * Answer `204` with the short `Upload-Offset` instead of dropping the
   * connection: a server that took fewer bytes than were sent. The rest of
   * the body is read and thrown away. @default {false}
   */
  answer?: boolean;
}

/**
 * Options of {@linkcode Faults.stallBodyNext}.
 *
 * @example A 500 whose body never ends, for the next PATCH
 * ```ts
 * import type { StallOptions } from "@tusflow/client/testing";
 *
 * const options: StallOptions = { status: 500, method: "PATCH" };
 * console.log(options.status); // 500
 * ```
 */
export interface StallOptions {
  /** The status to answer with. @default {500} */
  status?: number;
  /** How many matching requests to answer so. @default {1} */
  count?: number;
  /** Only requests with this (effective) method match. @default {any} */
  method?: string;
  /** Headers of the answer (besides `Tus-Resumable` and CORS). */
  headers?: Record<string, string>;
}

/** An answer whose headers are sent at once and whose body stalls. */
export interface Stall {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** A failure to answer instead of handling a request. */
export interface Failure {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: string;
}

/** A cut to apply to a PATCH. */
export interface Cut {
  readonly afterBytes: number;
  readonly keep: boolean;
  readonly answer: boolean;
}

interface Rule<T> {
  readonly method: string | null;
  readonly value: T;
  remaining: number;
}

interface FaultState {
  failures: Rule<Failure>[];
  cuts: Rule<Cut>[];
  delays: Rule<number>[];
  stalls: Rule<Stall>[];
  forget(uploadUrl: string, status: 404 | 410): void;
}

const states = new WeakMap<Faults, FaultState>();

/**
 * The faults of one test server. Each fault is consumed as it fires; a
 * `method` restricts it to requests of that effective method (after
 * `X-HTTP-Method-Override`).
 *
 * @example Failing the next PATCH twice, then cutting one mid-body
 * ```ts
 * import { startTusServer } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer();
 * server.faults.failNext({ status: 503, count: 2, method: "PATCH", retryAfter: "0" });
 * server.faults.cutNextPatch({ afterBytes: 1024 });
 * console.log(server.faults.pending); // 3
 * ```
 */
export class Faults {
  /**
   * Creates the faults of one server; `startTusServer()` and `createTusApp()`
   * make them.
   *
   * @param forget Makes the upload at a URL answer 404 or 410 (the server
   * passes its store's).
   */
  constructor(forget: (uploadUrl: string, status: 404 | 410) => void) {
    states.set(this, {
      failures: [],
      cuts: [],
      delays: [],
      stalls: [],
      forget,
    });
  }

  /**
   * Answers the next `count` matching requests with `status` (and
   * `Retry-After`), without touching any upload.
   *
   * @param options The status, how many, which method, header and body.
   * @throws {RangeError} For a status outside 200–599 or a bad count.
   */
  failNext(options: FailOptions): void {
    const { status, retryAfter = null } = options;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`Cannot add fault: ${status} is not a status code`);
    }
    const body = options.body ?? `Cannot handle request: injected ${status}`;
    add(this, "failures", options.method, options.count, {
      status,
      retryAfter,
      body,
    });
  }

  /**
   * Makes the next `count` PATCH requests read `afterBytes` of their body,
   * store them (when the PATCH was valid) and drop the connection without an
   * answer, so that the client's fetch rejects with a network error. Deno's
   * fetch may send a request again by itself once its connection drops: use
   * a `count` that covers every attempt.
   *
   * @param options Where to cut, how many times, and whether to keep bytes.
   * @throws {RangeError} For a negative `afterBytes` or a bad count.
   */
  cutNextPatch(options: CutOptions): void {
    const { afterBytes, keep = true, answer = false } = options;
    if (!Number.isSafeInteger(afterBytes) || afterBytes < 0) {
      throw new RangeError(
        "Cannot add fault: afterBytes must be a non-negative integer",
      );
    }
    add(this, "cuts", "PATCH", options.count, { afterBytes, keep, answer });
  }

  /**
   * Answers the next `count` matching requests with `status` and `headers`
   * at once, then a body whose first bytes arrive and whose rest never does:
   * it ends only when the client closes the connection or the server
   * closes. The request itself is not handled (nothing is stored). A HEAD
   * answer carries no body, so for HEAD the answer simply ends.
   *
   * @param options The status, how many, which method, and headers.
   * @throws {RangeError} For a status outside 200–599 or a bad count.
   */
  stallBodyNext(options: StallOptions = {}): void {
    const { status = 500, headers = {} } = options;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`Cannot add fault: ${status} is not a status code`);
    }
    add(this, "stalls", options.method, options.count, {
      status,
      headers: { ...headers },
    });
  }

  /**
   * Answers the next `count` PATCH requests with 409 Conflict, storing
   * nothing.
   *
   * @param options How many PATCH requests.
   * @throws {RangeError} For a bad count.
   */
  conflictNext(options: { count?: number } = {}): void {
    add(this, "failures", "PATCH", options.count, {
      status: 409,
      retryAfter: null,
      body: "Cannot patch upload: injected conflict",
    });
  }

  /**
   * Delays every matching request by `ms` before handling it, until the
   * returned function or {@linkcode Faults.clear} removes the delay.
   *
   * @param ms The delay, in milliseconds.
   * @param options `method` restricts the delay to one method.
   * @returns A function that removes this delay.
   * @throws {RangeError} For a negative or non-finite delay.
   */
  latency(ms: number, options: { method?: string } = {}): () => void {
    if (!(ms >= 0 && Number.isFinite(ms))) {
      throw new RangeError(`Cannot add fault: ${ms} is not a delay in ms`);
    }
    const state = stateOf(this);
    const rule = add(this, "delays", options.method, Infinity, ms);
    return () => {
      state.delays = state.delays.filter((entry) => entry !== rule);
    };
  }

  /**
   * Makes an upload answer 404 (as if unknown) or 410 (gone) to every
   * request from now on.
   *
   * @param uploadUrl The upload's URL (absolute, or its path).
   * @param status 404 or 410.
   * @throws {Error} When the URL names no upload of this server.
   */
  forget(uploadUrl: string, status: 404 | 410 = 404): void {
    stateOf(this).forget(uploadUrl, status);
  }

  /** How many fault firings remain (`Infinity` for an endless one). */
  get pending(): number {
    const { failures, cuts, stalls } = stateOf(this);
    return [...failures, ...cuts, ...stalls, ...peerStateOf(this).afterStore]
      .reduce((sum, r) => sum + r.remaining, 0);
  }

  /** Removes every pending fault and delay (forgotten uploads stay gone). */
  clear(): void {
    const state = stateOf(this);
    state.failures = [];
    state.cuts = [];
    state.delays = [];
    state.stalls = [];
    clearPeerFaults(this);
  }

  // Faults about what a server did with bytes the client cannot see, and
  // answers of @tus/server that differ from this server's own.

  /**
   * Makes the next `count` PATCH requests that store their whole body end
   * without an answer: the bytes are stored, then the connection is dropped,
   * as when a response is lost on the way back. Refused PATCH requests do
   * not count. Deno's fetch may send such a request again by itself; that
   * copy carries a stale `Upload-Offset` (409, or a closed connection with
   * {@linkcode Faults.dropStalePatches}).
   *
   * @param options How many PATCH requests. @default {1}
   * @throws {RangeError} For a bad count.
   * @example Losing the answer to the first chunk
   * ```ts ignore
   * server.faults.loseNextPatchResponse();
   * server.faults.dropStalePatches(); // as @tus/server answers a stale offset
   * ```
   */
  loseNextPatchResponse(options: { count?: number } = {}): void {
    addPeer(this, "afterStore", options.count ?? 1, { status: null });
  }

  /**
   * Makes the next `count` PATCH requests that store their whole body answer
   * `status` instead of `204`: the bytes stay stored, so only a HEAD shows
   * the progress (a proxy's 5xx after the origin stored the chunk, or a 4xx
   * from a server another client already finished the upload on).
   *
   * @param options The status (200–599) and how many PATCH requests.
   * @throws {RangeError} For a status outside 200–599 or a bad count.
   * @example A 409 whose bytes were stored anyway
   * ```ts ignore
   * server.faults.storeNextPatchThenAnswer({ status: 409 });
   * ```
   */
  storeNextPatchThenAnswer(options: { status: number; count?: number }): void {
    const { status } = options;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`Cannot add fault: ${status} is not a status code`);
    }
    addPeer(this, "afterStore", options.count ?? 1, { status });
  }

  /**
   * Makes PATCH requests whose `Upload-Offset` is not the upload's offset
   * close their connection before any byte of the body is read, instead of
   * answering 409: what @tus/server 2.x does, so that the client sees a
   * network error where the server meant a conflict.
   *
   * @param options How many such PATCH requests. @default {Infinity}
   * @returns A function that ends this behaviour.
   * @throws {RangeError} For a bad count.
   * @example Behaving like @tus/server for the rest of a test
   * ```ts ignore
   * const stop = server.faults.dropStalePatches();
   * // ... upload ...
   * stop();
   * ```
   */
  dropStalePatches(options: { count?: number } = {}): () => void {
    return removerOf(
      this,
      "staleDrops",
      addPeer(this, "staleDrops", options.count ?? Infinity, true),
    );
  }

  /**
   * Makes PATCH requests that declare `Upload-Length` for an upload whose
   * length is already known answer `400`, even when the value is the same:
   * what @tus/server 2.x does (this server accepts an equal value).
   *
   * @param options How many such PATCH requests. @default {Infinity}
   * @returns A function that ends this behaviour.
   * @throws {RangeError} For a bad count.
   * @example Refusing a second Upload-Length
   * ```ts ignore
   * server.faults.refuseKnownUploadLength();
   * ```
   */
  refuseKnownUploadLength(options: { count?: number } = {}): () => void {
    return removerOf(
      this,
      "knownLength",
      addPeer(this, "knownLength", options.count ?? Infinity, true),
    );
  }
}

function stateOf(faults: Faults): FaultState {
  return states.get(faults) as FaultState;
}

type RuleList = "failures" | "cuts" | "delays" | "stalls";
type RuleValue<K extends RuleList> = FaultState[K][number]["value"];

function add<K extends RuleList>(
  faults: Faults,
  list: K,
  method: string | undefined,
  count: number | undefined = 1,
  value: RuleValue<K>,
): Rule<RuleValue<K>> {
  if (!(count === Infinity || (Number.isSafeInteger(count) && count > 0))) {
    throw new RangeError(
      "Cannot add fault: count must be a positive integer or Infinity",
    );
  }
  const rule = {
    method: method?.toUpperCase() ?? null,
    value,
    remaining: count,
  };
  (stateOf(faults)[list] as Rule<RuleValue<K>>[]).push(rule);
  return rule;
}

function take<T>(rules: Rule<T>[], method: string): T | null {
  const index = rules.findIndex((r) =>
    r.method === null || r.method === method
  );
  const rule = rules[index];
  if (!rule) return null;
  rule.remaining -= 1;
  if (rule.remaining <= 0) rules.splice(index, 1);
  return rule.value;
}

/** Consumes the failure that applies to a request, if any. */
export function takeFailure(faults: Faults, method: string): Failure | null {
  return take(stateOf(faults).failures, method);
}

/** Consumes the stalled answer that applies to a request, if any. */
export function takeStall(faults: Faults, method: string): Stall | null {
  return take(stateOf(faults).stalls, method);
}

/** Consumes the cut that applies to a PATCH, if any. */
export function takeCut(faults: Faults): Cut | null {
  return take(stateOf(faults).cuts, "PATCH");
}

/** The total delay that applies to a request, in ms. */
export function delayOf(faults: Faults, method: string): number {
  return stateOf(faults).delays
    .filter((r) => r.method === null || r.method === method)
    .reduce((sum, r) => sum + r.value, 0);
}

/** What to do once a PATCH stored its whole body: `status`, or drop (`null`). */
export interface StoredFault {
  readonly status: number | null;
}

interface PeerFaultState {
  afterStore: Rule<StoredFault>[];
  staleDrops: Rule<true>[];
  knownLength: Rule<true>[];
}

type PeerList = keyof PeerFaultState;

const peerStates = new WeakMap<Faults, PeerFaultState>();

function peerStateOf(faults: Faults): PeerFaultState {
  let state = peerStates.get(faults);
  if (!state) {
    state = { afterStore: [], staleDrops: [], knownLength: [] };
    peerStates.set(faults, state);
  }
  return state;
}

function clearPeerFaults(faults: Faults): void {
  peerStates.delete(faults);
}

function addPeer<K extends PeerList>(
  faults: Faults,
  list: K,
  count: number,
  value: PeerFaultState[K][number]["value"],
): Rule<PeerFaultState[K][number]["value"]> {
  if (!(count === Infinity || (Number.isSafeInteger(count) && count > 0))) {
    throw new RangeError(
      "Cannot add fault: count must be a positive integer or Infinity",
    );
  }
  const rule = { method: "PATCH", value, remaining: count };
  (peerStateOf(faults)[list] as Rule<typeof value>[]).push(rule);
  return rule;
}

function removerOf(
  faults: Faults,
  list: PeerList,
  rule: Rule<unknown>,
): () => void {
  return () => {
    const state = peerStateOf(faults);
    const rules = state[list] as Rule<unknown>[];
    const index = rules.indexOf(rule);
    if (index >= 0) rules.splice(index, 1);
  };
}

/** Consumes the fault that applies to a PATCH that stored its whole body. */
export function takeStoredFault(faults: Faults): StoredFault | null {
  return take(peerStateOf(faults).afterStore, "PATCH");
}

/** Consumes a "drop a stale PATCH" firing; `true` when one applied. */
export function takeStaleDrop(faults: Faults): boolean {
  return take(peerStateOf(faults).staleDrops, "PATCH") === true;
}

/** Consumes a "refuse a known Upload-Length" firing; `true` when one applied. */
export function takeKnownLengthRefusal(faults: Faults): boolean {
  return take(peerStateOf(faults).knownLength, "PATCH") === true;
}

/** Whether any "drop a stale PATCH" rule is active (nothing consumed). */
export function hasStaleDrop(faults: Faults): boolean {
  return peerStateOf(faults).staleDrops.length > 0;
}

/** Whether any "refuse a known Upload-Length" rule is active. */
export function hasKnownLengthRefusal(faults: Faults): boolean {
  return peerStateOf(faults).knownLength.length > 0;
}
