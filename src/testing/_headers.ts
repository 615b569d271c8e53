/**
 * The server's own reading of tus headers. It shares nothing with the client's
 * protocol code on purpose: a bug there cannot hide on both sides of a test.
 *
 * @module
 */

/** The one protocol version this server speaks. */
export const TUS_VERSION = "1.0.0";

/** Media type of PATCH bodies and of creation-with-upload bodies. */
export const OFFSET_CONTENT_TYPE = "application/offset+octet-stream";

/** Response headers a browser may read (CORS `Access-Control-Expose-Headers`). */
export const EXPOSED_HEADERS: readonly string[] = [
  "Location",
  "Tus-Resumable",
  "Tus-Version",
  "Tus-Extension",
  "Tus-Max-Size",
  "Tus-Checksum-Algorithm",
  "Upload-Offset",
  "Upload-Length",
  "Upload-Defer-Length",
  "Upload-Metadata",
  "Upload-Expires",
  "Upload-Concat",
  "Retry-After",
  "X-Request-ID",
];

/** Request headers a browser may send (CORS `Access-Control-Allow-Headers`). */
export const ALLOWED_HEADERS: readonly string[] = [
  "Authorization",
  "Content-Type",
  "Tus-Resumable",
  "Upload-Offset",
  "Upload-Length",
  "Upload-Defer-Length",
  "Upload-Metadata",
  "Upload-Checksum",
  "Upload-Concat",
  "X-HTTP-Method-Override",
  "X-Request-ID",
  "X-Requested-With",
];

const DIGITS = /^[0-9]+$/;
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A header value that breaks the protocol, with the reason to answer. */
export class HeaderError extends Error {
  /** The status to answer with. */
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.name = "HeaderError";
    this.status = status;
  }
}

/**
 * Reads a non-negative integer header (`Upload-Offset`, `Upload-Length`):
 * digits only, within the safe integer range. `null` when absent.
 */
export function readInteger(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null) return null;
  const number = DIGITS.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw new HeaderError(`${name} must be a non-negative integer`);
  }
  return number;
}

/** Whether `value` is standard, padded Base64 (RFC 4648 section 4). */
export function isBase64(value: string): boolean {
  return BASE64.test(value);
}

/** Decodes standard Base64 already checked with {@linkcode isBase64}. */
export function decodeBase64(value: string): Uint8Array {
  return Uint8Array.from(atob(value), (char) => char.charCodeAt(0));
}

/**
 * Parses `Upload-Metadata`: comma-separated `key[ value]` pairs, keys non-empty
 * and unique, values Base64. Values are decoded as UTF-8.
 */
export function parseMetadata(header: string): Record<string, string> {
  const metadata: Record<string, string> = {};
  const decoder = new TextDecoder();
  for (const element of header.split(",")) {
    const pair = element.replace(/^[ \t]+|[ \t]+$/g, "");
    const [key = "", value = "", ...rest] = pair.split(" ");
    if (key === "") throw new HeaderError("Upload-Metadata has an empty key");
    if (rest.length > 0 || !isBase64(value)) {
      throw new HeaderError(`Upload-Metadata value of ${key} is not Base64`);
    }
    if (Object.hasOwn(metadata, key)) {
      throw new HeaderError(`Upload-Metadata repeats the key ${key}`);
    }
    // Defined, not assigned: a key such as "__proto__" must stay a key.
    Object.defineProperty(metadata, key, {
      value: decoder.decode(decodeBase64(value)),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return metadata;
}

/** A parsed `Upload-Checksum` header. */
export interface UploadChecksum {
  readonly algorithm: string;
  readonly digest: Uint8Array;
}

/** Parses `Upload-Checksum: <algorithm> <base64 digest>`. */
export function parseChecksum(
  header: string,
  supported: readonly string[],
): UploadChecksum {
  const [algorithm = "", encoded = "", ...rest] = header.split(" ");
  if (
    algorithm === "" || encoded === "" || rest.length > 0 || !isBase64(encoded)
  ) {
    throw new HeaderError("Upload-Checksum must be <algorithm> <base64>");
  }
  if (!supported.includes(algorithm)) {
    throw new HeaderError(`checksum algorithm ${algorithm} is not supported`);
  }
  return { algorithm, digest: decodeBase64(encoded) };
}

/** A parsed `Upload-Concat` header. */
export type UploadConcat =
  | { readonly kind: "partial" }
  | { readonly kind: "final"; readonly urls: readonly string[] };

/** Parses `Upload-Concat: partial` or `Upload-Concat: final;<url> <url>…`. */
export function parseConcat(header: string): UploadConcat {
  if (header === "partial") return { kind: "partial" };
  if (header.startsWith("final;")) {
    const urls = header.slice(6).split(" ").filter((url) => url !== "");
    if (urls.length > 0) return { kind: "final", urls };
  }
  throw new HeaderError(
    "Upload-Concat must be partial or final;<url> followed by more URLs",
  );
}

/** Whether the request's Content-Type is `application/offset+octet-stream`. */
export function hasOffsetContentType(headers: Headers): boolean {
  const value = headers.get("content-type") ?? "";
  const mediaType = value.split(";")[0] ?? "";
  return mediaType.trim().toLowerCase() === OFFSET_CONTENT_TYPE;
}

/** Whether the request announces a body (a non-zero length, or chunked). */
export function announcesBody(headers: Headers): boolean {
  const length = headers.get("content-length");
  if (length !== null) return length.trim() !== "0";
  return headers.has("transfer-encoding");
}
