/**
 * The record of every request the test server handled.
 *
 * @module
 */

/**
 * One handled request. Entries are appended before the answer is sent, so a
 * client that got its response finds its request logged.
 *
 * @example Asserting the sequence of requests
 * ```ts
 * import { startTusServer } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer();
 * const response = await fetch(server.url, { method: "OPTIONS" });
 * await response.body?.cancel();
 * const [entry] = server.requests;
 * console.log(entry?.method, entry?.status); // "OPTIONS" 204
 * ```
 */
export interface RequestLogEntry {
  /** The method as sent. */
  readonly method: string;
  /** The method handled: `X-HTTP-Method-Override` when present, else `method`. */
  readonly effectiveMethod: string;
  /** The URL path (no query string). */
  readonly path: string;
  /**
   * The status answered; `0` when no answer was sent: the connection was cut
   * by a fault, or was lost while the body was read.
   */
  readonly status: number;
  /** Every request header, by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  /** Every response header, by lower-case name (empty when `status` is 0). */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /**
   * The client closed the connection before the answer was sent: it gave up
   * (an abort, a timeout) while the server waited, read the body or worked.
   * A cut made by a fault does not count.
   */
  readonly clientClosed: boolean;
  /** Request body bytes the server read (bytes refused or drained included). */
  readonly bodyBytes: number;
  /** When the request arrived, in ms since the epoch. */
  readonly startedAt: number;
  /** How long the server took to answer, in ms. */
  readonly durationMs: number;
}

/**
 * Copies headers into a plain object with lower-case names.
 *
 * @param headers The headers to copy.
 * @returns A frozen record.
 * @example Reading a header by its lower-case name
 * ```ts
 * import { headersRecord } from "@tusflow/client/testing";
 *
 * const record = headersRecord(new Headers({ "Upload-Offset": "0" }));
 * console.log(record["upload-offset"]); // "0"
 * ```
 */
export function headersRecord(
  headers: Headers,
): Readonly<Record<string, string>> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return Object.freeze(record);
}
