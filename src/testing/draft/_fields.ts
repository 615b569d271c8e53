/**
 * The draft server's own readers for the Structured Field Items it receives
 * (`Upload-Offset`, `Upload-Length`, `Upload-Complete`,
 * `Upload-Draft-Interop-Version`). They are written apart from the client's
 * parser on purpose, so that a bug in one cannot hide on both sides of a test.
 *
 * @module
 */

// A parameter: `;key` or `;key=value`, value an integer, decimal, boolean,
// token or plain string (RFC 9651 section 3.1.2).
const PARAM = String
  .raw`;\x20*[a-z*][a-z0-9_.*-]*(?:=(?:-?[0-9]{1,15}(?:\.[0-9]{1,3})?|\?[01]|[A-Za-z*][!#$%&'*+.^_\x60|~0-9A-Za-z:/-]*|"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"))?`;
const INTEGER_ITEM = new RegExp(`^\\x20*(-?[0-9]{1,15})(?:${PARAM})*\\x20*$`);
const BOOLEAN_ITEM = new RegExp(`^\\x20*\\?([01])(?:${PARAM})*\\x20*$`);

/** What a request header held: absent, invalid (to be ignored), or a value. */
export type FieldValue<T> =
  | { readonly state: "absent" }
  | { readonly state: "invalid"; readonly raw: string }
  | { readonly state: "valid"; readonly value: T };

const ABSENT = { state: "absent" } as const;

/** Reads a non-negative Integer item. */
export function readOffsetField(raw: string | undefined): FieldValue<number> {
  if (raw === undefined) return ABSENT;
  const match = INTEGER_ITEM.exec(raw);
  const value = match ? Number(match[1]) : -1;
  return value >= 0 ? { state: "valid", value } : { state: "invalid", raw };
}

/** Reads an Integer item (any sign). */
export function readIntegerField(raw: string | undefined): FieldValue<number> {
  if (raw === undefined) return ABSENT;
  const match = INTEGER_ITEM.exec(raw);
  return match
    ? { state: "valid", value: Number(match[1]) || 0 }
    : { state: "invalid", raw };
}

/** Reads a Boolean item. */
export function readBooleanField(raw: string | undefined): FieldValue<boolean> {
  if (raw === undefined) return ABSENT;
  const match = BOOLEAN_ITEM.exec(raw);
  return match
    ? { state: "valid", value: match[1] === "1" }
    : { state: "invalid", raw };
}

/** `Upload-Limit` as the server writes it. */
export interface DraftLimits {
  /** `max-size`, bytes. */
  readonly maxSize?: number;
  /** `min-size`, bytes: smaller uploads are taken without an upload resource. */
  readonly minSize?: number;
  /** `max-append-size`, bytes per creation or append request. */
  readonly maxAppendSize?: number;
  /** `min-append-size`, bytes per request that does not complete the upload. */
  readonly minAppendSize?: number;
  /** `max-age`, ms; announced in whole seconds, uploads older are gone. */
  readonly maxAgeMs?: number;
}

/** The `Upload-Limit` value for `limits`, `max-age` counted from `createdAt`; `null` when there are none. */
export function uploadLimitField(
  limits: DraftLimits,
  createdAt: number | null = null,
  now: number = Date.now(),
): string | null {
  const parts: string[] = [];
  if (limits.maxSize !== undefined) parts.push(`max-size=${limits.maxSize}`);
  if (limits.minSize !== undefined) parts.push(`min-size=${limits.minSize}`);
  if (limits.maxAppendSize !== undefined) {
    parts.push(`max-append-size=${limits.maxAppendSize}`);
  }
  if (limits.minAppendSize !== undefined) {
    parts.push(`min-append-size=${limits.minAppendSize}`);
  }
  if (limits.maxAgeMs !== undefined) {
    const left = createdAt === null
      ? limits.maxAgeMs
      : limits.maxAgeMs - (now - createdAt);
    parts.push(`max-age=${Math.max(0, Math.floor(left / 1000))}`);
  }
  return parts.length > 0 ? parts.join(", ") : null;
}
