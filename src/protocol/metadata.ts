/**
 * The `Upload-Metadata` codec: comma-separated `key base64(value)` pairs.
 *
 * @module
 */

const LATIN1_NAMES = new Set(["latin1", "latin-1", "iso-8859-1", "binary"]);
const UTF8_NAMES = new Set(["utf-8", "utf8"]);

/**
 * Checks that `encoding` is one the metadata codec knows.
 *
 * @throws {RangeError} for any other encoding.
 */
export function assertMetadataEncoding(encoding: string): void {
  const name = encoding.toLowerCase();
  if (!UTF8_NAMES.has(name) && !LATIN1_NAMES.has(name)) {
    throw new RangeError(
      `Cannot encode metadata: unsupported encoding "${encoding}" (use "utf-8" or "latin1")`,
    );
  }
}

/** A key a header can carry: visible ASCII, no comma (tus 1.0.0). */
const METADATA_KEY = /^[\x21-\x2b\x2d-\x7e]+$/;

/**
 * Checks metadata keys and values before any request is sent.
 *
 * @throws {TypeError} when a key is empty or holds anything but visible
 * ASCII without a comma, or a value is not a well-formed string.
 */
export function assertValidMetadata(metadata: Record<string, string>): void {
  for (const [key, value] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(key)) {
      throw new TypeError(
        `Cannot encode metadata: key ${
          JSON.stringify(key)
        } must be non-empty visible ASCII with no space or comma`,
      );
    }
    if (typeof value !== "string") {
      throw new TypeError(
        `Cannot encode metadata: value of key "${key}" must be a string`,
      );
    }
    if (!isWellFormed(value)) {
      throw new TypeError(
        `Cannot encode metadata: value of key "${key}" holds a lone surrogate, which no encoding can carry`,
      );
    }
  }
}

/** No lone UTF-16 surrogate (what `String.prototype.isWellFormed` checks). */
function isWellFormed(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
    .test(value);
}

/**
 * Encodes metadata for the `Upload-Metadata` header. An empty value is sent
 * as the bare key, as the spec allows.
 *
 * @returns The header value, or `null` when there is no metadata.
 */
export function encodeMetadata(
  metadata: Record<string, string>,
  encoding = "utf-8",
): string | null {
  const pairs = Object.entries(metadata).map(([key, value]) =>
    value === "" ? key : `${key} ${bytesToBase64(encodeText(value, encoding))}`
  );
  return pairs.length > 0 ? pairs.join(",") : null;
}

/**
 * Decodes an `Upload-Metadata` header. A value that is not valid base64 is
 * kept raw for that key; the other keys still decode.
 */
export function decodeMetadata(header: string | null): Record<string, string> {
  const result: Record<string, string> = {};
  if (!header) return result;
  for (const pair of header.split(",")) {
    const [key, value] = pair.trim().split(" ", 2);
    if (!key) continue;
    // defineProperty, so that a key "__proto__" is a key like any other.
    Object.defineProperty(result, key, {
      value: value === undefined ? "" : decodeBase64Text(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

function encodeText(value: string, encoding: string): Uint8Array {
  if (!LATIN1_NAMES.has(encoding.toLowerCase())) {
    return new TextEncoder().encode(value);
  }
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) {
      throw new TypeError(
        `Cannot encode metadata: character U+${
          code.toString(16).toUpperCase()
        } does not fit latin1`,
      );
    }
    bytes[i] = code;
  }
  return bytes;
}

function decodeBase64Text(value: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    return value;
  }
  try {
    const binary = atob(value);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return value;
  }
}

/** Standard base64 of `bytes` (no line breaks). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}
