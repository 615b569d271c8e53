/**
 * Pure builders of the draft's requests: method and header fields for
 * creation, append, offset retrieval, cancellation and OPTIONS. The caller
 * adds the body, its own headers and sends them.
 *
 * @module
 */
import { IETF_DRAFT_INTEROP_VERSION, PARTIAL_UPLOAD } from "./headers.ts";

/** A request without its URL and body. */
export interface DraftRequest {
  readonly method: "POST" | "PATCH" | "HEAD" | "DELETE" | "OPTIONS";
  readonly headers: Readonly<Record<string, string>>;
}

const interop = {
  "Upload-Draft-Interop-Version": String(IETF_DRAFT_INTEROP_VERSION),
};

function assertSize(name: string, value: number | null | undefined): void {
  if (value === null || value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot build request: ${name} must be a non-negative integer`,
    );
  }
}

/**
 * The creation request (section "Upload Creation").
 *
 * @param options `complete`: the body is the whole representation;
 * `length`: the representation's length when known.
 * @returns POST with `Upload-Complete` and, when known, `Upload-Length`.
 * @throws {RangeError} For a length that is not a non-negative integer.
 * @example A careful creation of 1000 bytes
 * ```ts
 * import { creationRequest } from "./requests.ts";
 * console.log(creationRequest({ complete: false, length: 1000 }).headers["Upload-Length"]); // "1000"
 * ```
 */
export function creationRequest(
  options: { complete: boolean; length?: number | null },
): DraftRequest {
  assertSize("length", options.length);
  const headers: Record<string, string> = {
    ...interop,
    "Upload-Complete": options.complete ? "?1" : "?0",
  };
  if (options.length !== undefined && options.length !== null) {
    headers["Upload-Length"] = String(options.length);
  }
  return { method: "POST", headers };
}

/**
 * An append request (section "Upload Append").
 *
 * @param options `offset`: where the body starts; `complete`: the body ends
 * the representation; `length`: sent once it is known (e.g. a stream ended)
 * and not sent before.
 * @returns PATCH with `application/partial-upload`, `Upload-Offset`, `Upload-Complete`.
 * @throws {RangeError} For an offset or length that is not a non-negative integer.
 * @example
 * ```ts
 * import { appendRequest } from "./requests.ts";
 * const { headers } = appendRequest({ offset: 5, complete: true });
 * console.log(headers["Upload-Offset"], headers["Upload-Complete"]); // "5" "?1"
 * ```
 */
export function appendRequest(
  options: { offset: number; complete: boolean; length?: number | null },
): DraftRequest {
  assertSize("offset", options.offset);
  assertSize("length", options.length);
  const headers: Record<string, string> = {
    ...interop,
    "Content-Type": PARTIAL_UPLOAD,
    "Upload-Offset": String(options.offset),
    "Upload-Complete": options.complete ? "?1" : "?0",
  };
  if (options.length !== undefined && options.length !== null) {
    headers["Upload-Length"] = String(options.length);
  }
  return { method: "PATCH", headers };
}

/**
 * The offset retrieval request (HEAD). Never send it while a creation or
 * append of the same upload is in flight: the draft forbids it.
 *
 * @returns HEAD with the interop version.
 * @example
 * ```ts
 * import { offsetRequest } from "./requests.ts";
 * console.log(offsetRequest().method); // "HEAD"
 * ```
 */
export function offsetRequest(): DraftRequest {
  return { method: "HEAD", headers: { ...interop } };
}

/**
 * The cancellation request (DELETE).
 *
 * @returns DELETE with the interop version.
 * @example
 * ```ts
 * import { cancelRequest } from "./requests.ts";
 * console.log(cancelRequest().method); // "DELETE"
 * ```
 */
export function cancelRequest(): DraftRequest {
  return { method: "DELETE", headers: { ...interop } };
}

/**
 * The OPTIONS request that discovers support (`Accept-Patch`) and limits.
 *
 * @returns OPTIONS with the interop version.
 * @example
 * ```ts
 * import { optionsRequest } from "./requests.ts";
 * console.log(optionsRequest().method); // "OPTIONS"
 * ```
 */
export function optionsRequest(): DraftRequest {
  return { method: "OPTIONS", headers: { ...interop } };
}
