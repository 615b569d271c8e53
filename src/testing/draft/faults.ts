/**
 * Fault injection for the draft test server, shaped like the tus server's
 * {@linkcode Faults}: failed answers with `Retry-After`, connections cut in the
 * middle of a creation or append body, conflicts, latency and vanished uploads.
 *
 * @module
 */
import type { CutOptions, FailOptions } from "../faults.ts";

/** Options of {@linkcode DraftFaults.cutNext}: those of the tus server's cut, plus the method. */
export interface DraftCutOptions extends CutOptions {
  /** `POST` (creation) or `PATCH` (append); both when absent. */
  method?: "POST" | "PATCH";
}

/** An answer to give instead of handling a request. */
export interface DraftFailure {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: string;
}

/** A cut to apply to a request body. */
export interface DraftCut {
  readonly afterBytes: number;
  readonly keep: boolean;
  readonly answer: boolean;
}

interface Rule<T> {
  readonly method: string | null;
  readonly value: T;
  remaining: number;
}

/**
 * Faults for the next requests of a draft server (`server.faults`).
 *
 * @example A 503 with Retry-After, then a creation cut after 4 bytes
 * ```ts
 * import { startDraftServer } from "@tusflow/client/testing";
 *
 * await using server = await startDraftServer();
 * server.faults.failNext({ status: 503, retryAfter: "0", method: "PATCH" });
 * server.faults.cutNext({ afterBytes: 4, method: "POST" });
 * console.log(server.faults.pending); // 2
 * ```
 */
export class DraftFaults {
  #failures: Rule<DraftFailure>[] = [];
  #cuts: Rule<DraftCut>[] = [];
  #delays: Rule<number>[] = [];
  #forget: (uploadUrl: string, status: 404 | 410) => void;

  /**
   * Made by the draft server; tests use `server.faults`.
   *
   * @param forget Called by {@linkcode DraftFaults.forget}.
   */
  constructor(forget: (uploadUrl: string, status: 404 | 410) => void) {
    this.#forget = forget;
  }

  /**
   * Answers the next matching requests with `status` instead of handling them.
   *
   * @param options Status, count, method, `Retry-After`, body.
   * @throws {RangeError} For a status outside 200..599 or a bad count.
   */
  failNext(options: FailOptions): void {
    const { status, retryAfter = null } = options;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`Cannot add fault: ${status} is not a status code`);
    }
    const body = options.body ?? `Cannot handle request: injected ${status}`;
    this.#failures.push(
      rule(options.method, options.count, { status, retryAfter, body }),
    );
  }

  /**
   * Drops the connection of the next creation or append after `afterBytes`
   * body bytes (stored unless `keep: false`); with `answer: true` it answers
   * instead, as a server that took fewer bytes than were sent.
   *
   * @param options Where and how to cut.
   * @throws {RangeError} For a negative `afterBytes` or a bad count.
   */
  cutNext(options: DraftCutOptions): void {
    const { afterBytes, keep = true, answer = false } = options;
    if (!Number.isSafeInteger(afterBytes) || afterBytes < 0) {
      throw new RangeError(
        "Cannot add fault: afterBytes must be a non-negative integer",
      );
    }
    this.#cuts.push(
      rule(options.method, options.count, { afterBytes, keep, answer }),
    );
  }

  /**
   * {@linkcode DraftFaults.cutNext} for appends only, as on the tus server.
   *
   * @param options Where and how to cut.
   */
  cutNextPatch(options: CutOptions): void {
    this.cutNext({ ...options, method: "PATCH" });
  }

  /**
   * Answers the next appends with a `409` carrying the true offset, as a
   * server that lost track of the client's offset would.
   *
   * @param options How many appends.
   */
  conflictNext(options: { count?: number } = {}): void {
    this.#failures.push(rule("PATCH", options.count, {
      status: 409,
      retryAfter: null,
      body: "",
    }));
  }

  /**
   * Delays every matching request by `ms` before it is handled.
   *
   * @param ms The delay in ms.
   * @param options Only requests with this method.
   * @returns A function that removes the delay.
   * @throws {RangeError} For a negative or non-finite delay.
   */
  latency(ms: number, options: { method?: string } = {}): () => void {
    if (!(ms >= 0 && Number.isFinite(ms))) {
      throw new RangeError(`Cannot add fault: ${ms} is not a delay in ms`);
    }
    const added = rule(options.method, Infinity, ms);
    this.#delays.push(added);
    return () => {
      this.#delays = this.#delays.filter((entry) => entry !== added);
    };
  }

  /**
   * Makes an upload vanish: later requests to it get `status`.
   *
   * @param uploadUrl The upload's URL.
   * @param status `404` (unknown) or `410` (gone).
   */
  forget(uploadUrl: string, status: 404 | 410 = 404): void {
    this.#forget(uploadUrl, status);
  }

  /** Failures and cuts not used yet. */
  get pending(): number {
    return [...this.#failures, ...this.#cuts]
      .reduce((sum, r) => sum + r.remaining, 0);
  }

  /** Removes every pending fault and delay. */
  clear(): void {
    this.#failures = [];
    this.#cuts = [];
    this.#delays = [];
  }

  /** @internal The failure for a request, consumed. */
  takeFailure(method: string): DraftFailure | null {
    return take(this.#failures, method);
  }

  /** @internal The cut for a request, consumed. */
  takeCut(method: string): DraftCut | null {
    return take(this.#cuts, method);
  }

  /** @internal The total delay for a request. */
  delayOf(method: string): number {
    return this.#delays
      .filter((r) => r.method === null || r.method === method)
      .reduce((sum, r) => sum + r.value, 0);
  }
}

function rule<T>(
  method: string | undefined,
  count: number | undefined = 1,
  value: T,
): Rule<T> {
  if (!(count === Infinity || (Number.isSafeInteger(count) && count > 0))) {
    throw new RangeError(
      "Cannot add fault: count must be a positive integer or Infinity",
    );
  }
  return { method: method?.toUpperCase() ?? null, value, remaining: count };
}

function take<T>(rules: Rule<T>[], method: string): T | null {
  const index = rules.findIndex((r) =>
    r.method === null || r.method === method
  );
  const found = rules[index];
  if (!found) return null;
  found.remaining -= 1;
  if (found.remaining <= 0) rules.splice(index, 1);
  return found.value;
}
