/**
 * Strict parsing of the numbers tus servers send in headers.
 *
 * @module
 */

const DIGITS_ONLY = /^[0-9]+$/;

/**
 * Parses a header value that must be a non-negative integer written with
 * digits only (`Upload-Offset`, `Upload-Length`, `Tus-Max-Size`,
 * `Retry-After`). Anything else (signs, spaces, decimals, exponents, values
 * past `Number.MAX_SAFE_INTEGER`) reads as absent, never as `NaN`.
 *
 * @param value The raw header value, or `null` when the header is missing.
 * @returns The integer, or `null` when the value is missing or malformed.
 */
export function parseStrictInteger(value: string | null): number | null {
  if (value === null || !DIGITS_ONLY.test(value)) return null;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : null;
}
