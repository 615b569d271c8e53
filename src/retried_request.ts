/**
 * A single idempotent request (DELETE) retried by the same policy as a
 * chunk: network errors, timeouts, 5xx, 423 and 429, at most `maxRetries`
 * times, waiting `retryDelay * 2^attempt` or the server's `Retry-After`.
 *
 * @module
 */
import { canRetry, retryWait } from "../machines/retry_policy.ts";
import type { Settings } from "./settings.ts";

/**
 * Runs `request` until it succeeds, the policy gives up, or `signal`
 * aborts (which also cuts a wait short).
 *
 * @throws the last failure.
 */
export async function retriedRequest<T>(
  settings: Pick<
    Settings,
    "maxRetries" | "retryDelay" | "shouldRetry" | "onRetry"
  >,
  request: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await request();
    } catch (error) {
      const budget = { ...settings, attempt };
      if (signal?.aborted || !canRetry(budget, error)) throw error;
      const delayMs = retryWait(settings.retryDelay, attempt, error);
      settings.onRetry?.({
        error: error as never,
        attempt: attempt + 1,
        delayMs,
      });
      await wait(delayMs, signal);
    }
  }
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
