/**
 * Problem details (RFC 9457) as the resumable-upload draft uses them: the
 * three problem types it registers, read from an `application/problem+json`
 * body into a short message for errors.
 *
 * @module
 */

/** Problem type URIs the draft registers. */
export const PROBLEM_TYPES = {
  mismatchingUploadOffset:
    "https://iana.org/assignments/http-problem-types#mismatching-upload-offset",
  completedUpload:
    "https://iana.org/assignments/http-problem-types#completed-upload",
  inconsistentUploadLength:
    "https://iana.org/assignments/http-problem-types#inconsistent-upload-length",
} as const;

/** A problem details object, with the members of the wrong type dropped. */
export interface ProblemDetails {
  /** The problem type URI; `"about:blank"` when absent (RFC 9457 section 3.1.1). */
  readonly type: string;
  readonly title: string | null;
  readonly status: number | null;
  readonly detail: string | null;
  /** `expected-offset` of a mismatching-upload-offset problem. */
  readonly expectedOffset: number | null;
  /** `provided-offset` of a mismatching-upload-offset problem. */
  readonly providedOffset: number | null;
}

const MEDIA_TYPE = /^\s*application\/problem\+json\s*(;.*)?$/i;
const MAX_TEXT = 200;

/**
 * Reads a response body as problem details when its media type is
 * `application/problem+json` and it holds a JSON object.
 *
 * @param contentType The response's `Content-Type`, or `null`.
 * @param body The body, as text or bytes.
 * @returns The problem, or `null` when the body is not problem details.
 * @example
 * ```ts
 * import { readProblemDetails } from "./problem_details.ts";
 * const body = '{"type":"https://iana.org/assignments/http-problem-types#mismatching-upload-offset","expected-offset":5,"provided-offset":9}';
 * console.log(readProblemDetails("application/problem+json", body)?.expectedOffset); // 5
 * ```
 */
export function readProblemDetails(
  contentType: string | null,
  body: string | Uint8Array,
): ProblemDetails | null {
  if (contentType === null || !MEDIA_TYPE.test(contentType)) return null;
  let parsed: unknown;
  try {
    const text = typeof body === "string"
      ? body
      : new TextDecoder("utf-8", { fatal: true }).decode(body);
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return null;
  }
  const record = parsed as Record<string, unknown>;
  return {
    type: text(record.type) ?? "about:blank",
    title: text(record.title),
    status: integer(record.status, 100, 599),
    detail: text(record.detail),
    expectedOffset: integer(record["expected-offset"], 0),
    providedOffset: integer(record["provided-offset"], 0),
  };
}

/**
 * A short, single-line description of a problem for an error message:
 * the draft's wording for its own types, else the title and detail.
 *
 * @param problem The problem.
 * @returns The description, at most about 200 characters.
 * @example
 * ```ts
 * import { problemMessage, readProblemDetails } from "./problem_details.ts";
 * const p = readProblemDetails("application/problem+json", '{"type":"https://iana.org/assignments/http-problem-types#completed-upload"}');
 * console.log(problemMessage(p!)); // "the upload is already complete"
 * ```
 */
export function problemMessage(problem: ProblemDetails): string {
  switch (problem.type) {
    case PROBLEM_TYPES.mismatchingUploadOffset: {
      const { expectedOffset: e, providedOffset: p } = problem;
      return e === null
        ? "the offset does not match the server's"
        : `the offset does not match the server's (server ${e}${
          p === null ? "" : `, request ${p}`
        })`;
    }
    case PROBLEM_TYPES.completedUpload:
      return "the upload is already complete";
    case PROBLEM_TYPES.inconsistentUploadLength:
      return "the upload length values are inconsistent";
  }
  const parts = [problem.title, problem.detail].filter((s) => s !== null);
  if (parts.length === 0) return `problem ${clean(problem.type)}`;
  return clean(parts.join(": "));
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function integer(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) {
  return typeof value === "number" && Number.isSafeInteger(value) &&
      value >= min && value <= max
    ? value
    : null;
}

function clean(value: string): string {
  // deno-lint-ignore no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT - 1)}…` : flat;
}
