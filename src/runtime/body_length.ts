/**
 * The length of a fetch body known before it is read: what a transport
 * without chunked uploads needs as `Content-Length`.
 *
 * @module
 */

/**
 * The byte length of a fetch body known before it is read, or `null` (a
 * stream, `FormData`, no body). Servers that take no chunked request body
 * need it as `Content-Length`.
 *
 * @param body A `RequestInit` body.
 * @returns Its length in bytes, or `null` when only reading it would tell.
 * @example Lengths of the common bodies
 * ```ts
 * import { bodyLength } from "./body_length.ts";
 *
 * console.log(bodyLength(new Uint8Array(3)), bodyLength("é")); // 3 2
 * console.log(bodyLength(new Blob(["abcd"])), bodyLength(null)); // 4 null
 * ```
 */
export function bodyLength(body: unknown): number | null {
  if (body === null || body === undefined) return null;
  if (typeof body === "string") return new TextEncoder().encode(body).length;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    return body.byteLength;
  }
  if (body instanceof Blob) return body.size;
  if (body instanceof URLSearchParams) {
    return new TextEncoder().encode(body.toString()).length;
  }
  return null;
}
