/**
 * The `Retry-After` header: seconds, or an HTTP date.
 *
 * @module
 */
import { parseHttpDate } from "./http_date.ts";
import { parseStrictInteger } from "./strict_integer.ts";

/**
 * How long `Retry-After` asks the client to wait, in milliseconds.
 *
 * @param value The header value, or `null`.
 * @param now The current time in ms since epoch (for HTTP dates).
 * @returns The wait in ms (never negative), or `null` when absent or
 * malformed.
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | null {
  if (value === null) return null;
  const seconds = parseStrictInteger(value.trim());
  if (seconds !== null) return seconds * 1000;
  const date = parseHttpDate(value);
  return date === null ? null : Math.max(0, date - now);
}
