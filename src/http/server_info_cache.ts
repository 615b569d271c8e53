/**
 * The server's OPTIONS answer, asked once per client and shared by every
 * upload: creation-with-upload, concatenation and checksums are decided
 * from it.
 *
 * @module
 */
import { type ProtocolAdapter, tusAdapter } from "./protocol.ts";
import type { ServerInfo } from "./server_options.ts";
import type { Transport } from "./transport.ts";

/** Hands out the cached OPTIONS answer (`null` when OPTIONS failed). */
export interface ServerInfoCache {
  /**
   * The answer, asking the server the first time. Aborting `signal` stops
   * this caller's wait, not the shared request.
   */
  get(signal: AbortSignal): Promise<ServerInfo | null>;
  /** Keeps `answer` (an explicit `getServerInfo()`) when none is cached yet. */
  offer(answer: Promise<ServerInfo>): void;
}

/**
 * A cache over OPTIONS on `endpoint`, asked in `protocol`. A failed
 * OPTIONS reads as `null` for the uploads waiting on it and is not kept: a
 * later upload asks again, so one lost answer does not decide for the
 * client's whole life.
 */
export function serverInfoCache(
  transport: Transport,
  endpoint: string,
  protocol: ProtocolAdapter = tusAdapter,
): ServerInfoCache {
  let answer: Promise<ServerInfo | null> | null = null;
  return {
    get(signal) {
      answer ??= protocol.readServerInfo(transport, endpoint).catch(() => {
        answer = null;
        return null;
      });
      return untilAborted(answer, signal);
    },
    offer(given) {
      answer ??= given.catch(() => {
        answer = null;
        return null;
      });
    },
  };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}
