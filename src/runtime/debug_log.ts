/**
 * `TUSFLOW_DEBUG=1`: a logger that prints every request, response and
 * network error to stderr, for library users who did not give one.
 *
 * @module
 */
import type { TusLogEvent, TusLogger } from "../http/transport.ts";

/** Headers worth a line: the tus ones, never credentials. */
const SHOWN = /^(upload-|tus-|location$|content-length$|content-type$)/i;

/** The debug logger when `TUSFLOW_DEBUG` is set to `1`, else `null`. */
export function debugLogger(): TusLogger | null {
  const { process } = globalThis as {
    process?: { env?: Record<string, string | undefined> };
  };
  let flag: string | undefined;
  try {
    flag = process?.env?.TUSFLOW_DEBUG;
  } catch {
    return null; // Deno without --allow-env
  }
  return flag === "1" ? (event) => console.error(formatLogEvent(event)) : null;
}

/**
 * One line for `event`: method, URL, status and the tus headers.
 *
 * @example A response line
 * ```ts
 * import { formatLogEvent } from "@tusflow/client";
 *
 * console.log(formatLogEvent({
 *   type: "response", method: "PATCH", url: "http://127.0.0.1/files/1",
 *   status: 204, headers: { "upload-offset": "5" }, durationMs: 3,
 * }));
 * // "tusflow: <- 204 PATCH http://127.0.0.1/files/1 (3 ms) upload-offset: 5"
 * ```
 */
export function formatLogEvent(event: TusLogEvent): string {
  if (event.type === "error") {
    return `tusflow: !! ${event.method} ${event.url}: ${event.message}`;
  }
  const headers = Object.entries(event.headers)
    .filter(([name]) => SHOWN.test(name))
    .map(([name, value]) => ` ${name.toLowerCase()}: ${value}`)
    .join("");
  if (event.type === "request") {
    return `tusflow: -> ${event.method} ${event.url}${headers}`;
  }
  return `tusflow: <- ${event.status} ${event.method} ${event.url} (${event.durationMs} ms)${headers}`;
}
