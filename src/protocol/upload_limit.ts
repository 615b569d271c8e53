/**
 * The `Upload-Limit` response field of the resumable-upload draft
 * (draft-ietf-httpbis-resumable-upload, "Limits"): a Dictionary whose known
 * members are Integers.
 *
 * @module
 */
import { parseDictionary } from "./structured_fields.ts";

/** Limits a draft server announced; `null` where it announced none. */
export interface UploadLimit {
  /** Largest representation the server accepts, in bytes (`max-size`). */
  readonly maxSize: number | null;
  /** Smallest representation worth a resumable upload, in bytes (`min-size`). */
  readonly minSize: number | null;
  /** Largest content of one creation or append request, in bytes (`max-append-size`). */
  readonly maxAppendSize: number | null;
  /** Smallest content of one creation or append request that does not complete the upload, in bytes (`min-append-size`). */
  readonly minAppendSize: number | null;
  /** Remaining lifetime of the upload resource, in ms (`max-age`, sent in seconds). */
  readonly maxAgeMs: number | null;
}

const KEYS = {
  "max-size": "maxSize",
  "min-size": "minSize",
  "max-append-size": "maxAppendSize",
  "min-append-size": "minAppendSize",
  "max-age": "maxAgeMs",
} as const satisfies Record<string, keyof UploadLimit>;

/**
 * Parses an `Upload-Limit` field value. Per the draft, a value that is not a
 * valid Dictionary is ignored, a member with an unknown key is ignored, and a
 * known key whose value is not an Integer makes the whole field ignored. A
 * negative Integer for a known key is treated the same way (a size or an age
 * below zero has no meaning). Parameters on a member are allowed and ignored.
 *
 * @param value The field value, or `null` when the field is absent.
 * @returns The limits, or `null` when the field is absent or ignored.
 * @example
 * ```ts
 * import { parseUploadLimit } from "./upload_limit.ts";
 * const limit = parseUploadLimit("max-size=1000, max-age=60, x-new=?1");
 * console.log(limit?.maxSize, limit?.maxAgeMs); // 1000 60000
 * console.log(parseUploadLimit('max-size="1000"')); // null
 * ```
 */
export function parseUploadLimit(value: string | null): UploadLimit | null {
  if (value === null) return null;
  let dictionary;
  try {
    dictionary = parseDictionary(value);
  } catch {
    return null;
  }
  const limit: Record<keyof UploadLimit, number | null> = {
    maxSize: null,
    minSize: null,
    maxAppendSize: null,
    minAppendSize: null,
    maxAgeMs: null,
  };
  for (const [key, member] of dictionary) {
    if (!Object.hasOwn(KEYS, key)) continue;
    const field = KEYS[key as keyof typeof KEYS];
    if (!("value" in member) || member.value.type !== "integer") return null;
    const number = member.value.value;
    if (number < 0) return null;
    limit[field] = field === "maxAgeMs" ? number * 1000 : number;
  }
  return limit;
}

/**
 * The content size of the next creation or append request that does not
 * complete the upload, under `limit`: `wanted` shrunk to `max-append-size`
 * and raised to `min-append-size` (a client aware of either MUST NOT send
 * more, or less). A request that completes the upload is exempt from
 * `min-append-size`, so the caller sends the rest when it is smaller.
 *
 * @param wanted Bytes the caller would send (its chunk size; may be `Infinity`).
 * @param limit The server's limits, or `null` when unknown.
 * @returns The size to send.
 * @throws {RangeError} When `min-append-size` exceeds `max-append-size`, or
 * `max-append-size` is 0: no request can keep both.
 * @example
 * ```ts
 * import { appendSizeWithin, parseUploadLimit } from "./upload_limit.ts";
 * console.log(appendSizeWithin(1_048_576, parseUploadLimit("max-append-size=1000"))); // 1000
 * console.log(appendSizeWithin(10, parseUploadLimit("min-append-size=64"))); // 64
 * ```
 */
export function appendSizeWithin(
  wanted: number,
  limit: UploadLimit | null,
): number {
  const max = limit?.maxAppendSize ?? Infinity;
  const min = limit?.minAppendSize ?? 0;
  if (max === 0 || min > max) {
    throw new RangeError(
      "Cannot size append: the server's append limits leave no valid size",
    );
  }
  return Math.max(min, Math.min(wanted, max));
}
