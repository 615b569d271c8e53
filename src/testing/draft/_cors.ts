/**
 * Cross-origin access to the draft server, so that a page on another origin
 * can upload to it: answers to CORS preflights, and the headers every answer
 * carries so that `fetch` in a browser may read the draft's fields.
 *
 * A preflight is an OPTIONS with `Access-Control-Request-Method`; the draft's
 * own OPTIONS (support and limits) never carries that field, so the two
 * cannot be confused.
 *
 * @module
 */

/** Methods the draft uses, as a preflight answer allows them. */
export const CORS_METHODS = "POST, HEAD, GET, PATCH, DELETE, OPTIONS";

/** Response fields a browser page may read. */
export const CORS_EXPOSED = [
  "Location",
  "Upload-Offset",
  "Upload-Complete",
  "Upload-Length",
  "Upload-Limit",
  "Upload-Draft-Interop-Version",
  "Retry-After",
].join(", ");

/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE = 600;

/** Whether a request is a CORS preflight. */
export function isPreflight(
  method: string,
  headers: Readonly<Record<string, string>>,
): boolean {
  return method === "OPTIONS" &&
    headers["access-control-request-method"] !== undefined;
}

/** The fields every answer carries when CORS is on. */
export function corsHeaders(): Record<string, string> {
  return {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": CORS_EXPOSED,
  };
}

/** The fields of a preflight answer: methods, the requested headers, max age. */
export function preflightHeaders(
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {
    "access-control-allow-methods": CORS_METHODS,
    "access-control-max-age": String(CORS_MAX_AGE),
  };
  const requested = headers["access-control-request-headers"];
  if (requested !== undefined && requested.trim() !== "") {
    out["access-control-allow-headers"] = requested;
  }
  return out;
}
