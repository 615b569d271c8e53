/**
 * `-v` and `TUSFLOW_DEBUG=1`: one line per request, response and network
 * error, with the tus headers that tell what happened (never credentials).
 *
 * @module
 */

/**
 * What the client's `logger` option reports (mirrors the library's
 * `TusLogEvent`).
 */
export type TusLogEvent =
  | {
    type: "request";
    method: string;
    url: string;
    headers: Record<string, string>;
  }
  | {
    type: "response";
    method: string;
    url: string;
    status: number;
    headers: Record<string, string>;
    durationMs: number;
  }
  | { type: "error"; method: string; url: string; message: string };

/** The headers a log line shows, in this order. */
const SHOWN = [
  "upload-offset",
  "upload-length",
  "upload-defer-length",
  "upload-concat",
  "upload-complete",
  "upload-draft-interop-version",
  "upload-limit",
  "upload-checksum",
  "location",
  "tus-version",
  "tus-extension",
  "tus-max-size",
  "retry-after",
  "content-length",
  "x-request-id",
];

function withoutQuery(url: string): string {
  const at = url.search(/[?#]/);
  return at === -1 ? url : url.slice(0, at);
}

function headerPart(headers: Record<string, string>): string {
  const lower = new Map(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const shown: string[] = [];
  for (const name of SHOWN) {
    let value = lower.get(name);
    if (value === undefined) continue;
    // The digest says nothing to a reader; the algorithm does.
    if (name === "upload-checksum") value = value.split(" ")[0] ?? "";
    if (name === "location") value = withoutQuery(value);
    shown.push(`${name}: ${value}`);
  }
  return shown.length ? `  ${shown.join("; ")}` : "";
}

/**
 * One log line: `> PATCH <url>  upload-offset: 0`, `< 204 PATCH <url> (12
 * ms)  upload-offset: 1048576`, or `! PATCH <url>: <message>`.
 *
 * @param event What the client reported.
 * @returns The line, without line end.
 * @example A response line
 * ```ts
 * import { formatLogEvent } from "./request_log.ts";
 *
 * console.log(formatLogEvent({
 *   type: "response", method: "HEAD", url: "http://h/files/1?t=x",
 *   status: 200, headers: { "Upload-Offset": "5" }, durationMs: 3,
 * })); // "< 200 HEAD http://h/files/1 (3 ms)  upload-offset: 5"
 * ```
 */
export function formatLogEvent(event: TusLogEvent): string {
  const url = withoutQuery(event.url);
  switch (event.type) {
    case "request":
      return `> ${event.method} ${url}${headerPart(event.headers)}`;
    case "response":
      return `< ${event.status} ${event.method} ${url} (${
        Math.round(event.durationMs)
      } ms)${headerPart(event.headers)}`;
    case "error":
      return `! ${event.method} ${url}: ${event.message}`;
  }
}
