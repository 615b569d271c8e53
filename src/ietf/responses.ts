/**
 * Pure readers of the draft's responses: the upload state a response
 * carries, whether a 104 may be trusted, and what an append or creation
 * answer asks the client to do next (PR #3472's retry strategy).
 *
 * @module
 */
import { parseItem } from "../protocol/structured_fields.ts";
import {
  parseUploadLimit,
  type UploadLimit,
} from "../protocol/upload_limit.ts";
import {
  DRAFT_HEADERS,
  IETF_DRAFT_INTEROP_VERSION,
  UPLOAD_RESUMPTION_SUPPORTED,
} from "./headers.ts";

/** Anything with a `Headers`-like `get` (fetch's `Headers`). */
export interface HeaderSource {
  get(name: string): string | null;
}

/** The upload state a response states; `null` where the field is absent or ignored. */
export interface DraftUploadState {
  readonly offset: number | null;
  readonly complete: boolean | null;
  readonly length: number | null;
  readonly limit: UploadLimit | null;
}

/**
 * Reads a non-negative Integer item; anything else is ignored, as the draft
 * requires ("Other values MUST cause the entire header field to be ignored").
 *
 * @param value The field value or `null`.
 * @returns The integer, or `null`.
 * @example
 * ```ts
 * import { readOffsetItem } from "./responses.ts";
 * console.log(readOffsetItem("42"), readOffsetItem("4.2"), readOffsetItem("-1")); // 42 null null
 * ```
 */
export function readOffsetItem(value: string | null): number | null {
  if (value === null) return null;
  try {
    const { value: bare } = parseItem(value);
    return bare.type === "integer" && bare.value >= 0 ? bare.value : null;
  } catch {
    return null;
  }
}

/**
 * Reads a Boolean item; anything else is ignored.
 *
 * @param value The field value or `null`.
 * @returns The boolean, or `null`.
 * @example
 * ```ts
 * import { readBooleanItem } from "./responses.ts";
 * console.log(readBooleanItem("?1"), readBooleanItem("1")); // true null
 * ```
 */
export function readBooleanItem(value: string | null): boolean | null {
  if (value === null) return null;
  try {
    const { value: bare } = parseItem(value);
    return bare.type === "boolean" ? bare.value : null;
  } catch {
    return null;
  }
}

/**
 * The upload state in a response (HEAD, creation, append, 409, 413).
 *
 * @param headers The response's headers.
 * @returns Offset, completeness, length and limits, each `null` when absent or invalid.
 * @example
 * ```ts
 * import { readUploadState } from "./responses.ts";
 * const state = readUploadState(new Headers({ "Upload-Offset": "7", "Upload-Complete": "?0" }));
 * console.log(state.offset, state.complete, state.length); // 7 false null
 * ```
 */
export function readUploadState(headers: HeaderSource): DraftUploadState {
  return {
    offset: readOffsetItem(headers.get(DRAFT_HEADERS.offset)),
    complete: readBooleanItem(headers.get(DRAFT_HEADERS.complete)),
    length: readOffsetItem(headers.get(DRAFT_HEADERS.length)),
    limit: parseUploadLimit(headers.get(DRAFT_HEADERS.limit)),
  };
}

/** What a 104 that may be trusted says. */
export interface DraftInterimInfo {
  /** The upload resource's URL (resolved against the request URL), when the 104 carried one. */
  readonly location: string | null;
  readonly offset: number | null;
  readonly limit: UploadLimit | null;
}

/**
 * Reads an interim response. The draft makes a client ignore a 104 whose
 * `Upload-Draft-Interop-Version` is missing or another than its own.
 *
 * @param status The interim status.
 * @param headers Its header fields.
 * @param requestUrl The request's URL, to resolve a relative `Location`.
 * @returns The information, or `null` when the interim response must be ignored.
 * @example
 * ```ts
 * import { readInterim } from "./responses.ts";
 * const h = new Headers({ "Upload-Draft-Interop-Version": "9", Location: "/files/a" });
 * console.log(readInterim(104, h, "http://x.test/files/")?.location); // "http://x.test/files/a"
 * console.log(readInterim(104, new Headers({ Location: "/a" }), "http://x.test/")); // null
 * ```
 */
export function readInterim(
  status: number,
  headers: HeaderSource,
  requestUrl: string,
): DraftInterimInfo | null {
  if (status !== UPLOAD_RESUMPTION_SUPPORTED) return null;
  const version = readOffsetItem(headers.get(DRAFT_HEADERS.interopVersion));
  if (version !== IETF_DRAFT_INTEROP_VERSION) return null;
  const raw = headers.get("location");
  let location: string | null = null;
  if (raw !== null) {
    try {
      location = new URL(raw, requestUrl).href;
    } catch {
      location = null;
    }
  }
  return {
    location,
    offset: readOffsetItem(headers.get(DRAFT_HEADERS.offset)),
    limit: parseUploadLimit(headers.get(DRAFT_HEADERS.limit)),
  };
}

/**
 * What to do after a creation or append answer:
 *
 * - `done`: `Upload-Complete: ?1`, whatever the status; this is the final
 *   response of the whole upload (a 4xx/5xx here is the resource's own
 *   processing error: resuming would not help).
 * - `continue`: a 2xx; keep appending (at `offset` when the answer gave one).
 * - `conflict`: a 409; resume at `offset` (ask with HEAD when it is `null`).
 *   PR #3472 ties resuming to `Upload-Complete: ?0` (a 409 without it may come
 *   from an intermediary); a 409 without the field is still a conflict here,
 *   so the caller's bounded conflict handling decides, not a guess.
 * - `shrink`: a 413; resend smaller, within `limit` (ask OPTIONS when unknown).
 * - `retry`: 429 or 5xx; wait (`Retry-After`), resync with HEAD, resume.
 * - `redirect`: 307/308; the same request may go to `Location`.
 * - `failed`: any other answer; do not retry.
 */
export type DraftOutcome =
  | "done"
  | "continue"
  | "conflict"
  | "shrink"
  | "retry"
  | "redirect"
  | "failed";

/**
 * Classifies a creation or append answer following the draft's client rules.
 *
 * @param status The final status.
 * @param headers The final response's headers.
 * @returns The outcome and the state the answer carried.
 * @example
 * ```ts
 * import { classifyAnswer } from "./responses.ts";
 * const headers = new Headers({ "Upload-Offset": "3", "Upload-Complete": "?0" });
 * console.log(classifyAnswer(409, headers).outcome); // "conflict"
 * console.log(classifyAnswer(400, new Headers({ "Upload-Complete": "?1" })).outcome); // "done"
 * ```
 */
export function classifyAnswer(
  status: number,
  headers: HeaderSource,
): { outcome: DraftOutcome; state: DraftUploadState } {
  const state = readUploadState(headers);
  return { outcome: outcomeOf(status, state), state };
}

function outcomeOf(status: number, state: DraftUploadState): DraftOutcome {
  if (state.complete === true) return "done";
  if (status >= 200 && status < 300) return "continue";
  if (status === 409) return "conflict";
  if (status === 413) return "shrink";
  if (status === 429 || status >= 500) return "retry";
  if (status === 307 || status === 308) return "redirect";
  return "failed";
}
