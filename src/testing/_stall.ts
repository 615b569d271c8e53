/**
 * The answer of a stall fault: headers at once, then a body that sends its
 * first bytes and never ends, until the client or the server goes away.
 *
 * @module
 */
import type { Stall } from "./faults.ts";

/** First bytes of a stalled body (Bun sends no headers before a body chunk). */
const FIRST_BYTES = new TextEncoder().encode(
  "Cannot handle request: injected stall, the rest never comes\n",
);

/**
 * A response whose body stalls after its first bytes; it ends once one of
 * `signals` aborts (the client closed the connection, the server closes).
 */
export function stalledAnswer(
  stall: Stall,
  signals: readonly (AbortSignal | undefined)[],
): Response {
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  let finish = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(FIRST_BYTES);
      finish = () => {
        for (const signal of active) {
          signal.removeEventListener("abort", finish);
        }
        try {
          controller.close();
        } catch {
          // Already cancelled by the reader.
        }
      };
      if (active.some((signal) => signal.aborted)) return finish();
      for (const signal of active) {
        signal.addEventListener("abort", finish, { once: true });
      }
    },
    cancel() {
      for (const signal of active) signal.removeEventListener("abort", finish);
    },
  });
  return new Response(body, {
    status: stall.status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...stall.headers },
  });
}
