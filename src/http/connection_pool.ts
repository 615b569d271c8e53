/**
 * The connections of one client: how many request bodies (PATCH, creation
 * with data) may be in flight at once, and whether they go out through
 * `countedSend` instead of `fetch`.
 *
 * @module
 */
import type { SendPool } from "../runtime/counted_send.ts";

/** Options of {@linkcode ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Bodies in flight at once (and keep-alive connections per origin). */
  readonly maxSockets: number;
  /** `false` accepts any server certificate. @default {true} */
  readonly rejectUnauthorized?: boolean;
  /**
   * The transport's `fetch` that `countedSend` may stand in for; `null` when
   * the user injected their own `fetch`, which then sends every request.
   */
  readonly ownFetch: typeof fetch | null;
  /** Every `Uint8Array` body goes through `countedSend`, counted or not. */
  readonly direct: boolean;
  /**
   * Requests without a body go through `bodilessSend` too (Node: its
   * `fetch` is a second HTTP stack, loaded on first use). @default {false}
   */
  readonly bodiless?: boolean;
}

/**
 * Keep-alive connections and a bound on the bodies in flight. A request
 * beyond `maxSockets` waits here, before its timeout starts and before any
 * request (or copy of its body) is made.
 *
 * @example A pool of 8 that sends PATCH bodies over node:http
 * ```ts
 * import { ConnectionPool } from "./connection_pool.ts";
 *
 * const pool = new ConnectionPool({ maxSockets: 8, ownFetch: fetch, direct: true });
 * const release = await pool.acquire();
 * release();
 * console.log(pool.maxSockets); // 8
 * ```
 */
export class ConnectionPool implements SendPool {
  /** Bodies in flight at once (and keep-alive connections per origin). */
  readonly maxSockets: number;
  /** `false` accepts any server certificate. */
  readonly rejectUnauthorized: boolean;
  /** The `fetch` that `countedSend` may stand in for; `null`: never. */
  readonly ownFetch: typeof fetch | null;
  /** Every `Uint8Array` body goes through `countedSend`, counted or not. */
  readonly direct: boolean;
  /** Requests without a body take these connections too. */
  readonly bodiless: boolean;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /** Creates the pool of one client. */
  constructor(options: ConnectionPoolOptions) {
    this.maxSockets = options.maxSockets;
    this.rejectUnauthorized = options.rejectUnauthorized ?? true;
    this.ownFetch = options.ownFetch;
    this.direct = options.direct;
    this.bodiless = options.bodiless ?? false;
  }

  /**
   * Waits for a free place; resolves with the function that gives it back.
   *
   * @param signal Stops the wait with its reason.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.maxSockets) {
      this.#active++;
      return Promise.resolve(this.#release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", cancel);
        this.#active++;
        resolve(this.#release);
      };
      const cancel = () => {
        const index = this.#waiting.indexOf(grant);
        if (index !== -1) this.#waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", cancel, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release = (): void => {
    this.#active--;
    this.#waiting.shift()?.();
  };
}
