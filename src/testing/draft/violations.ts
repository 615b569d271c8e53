/**
 * What the draft test server counts as a client breaking a MUST of
 * draft-ietf-httpbis-resumable-upload.
 *
 * @module
 */

/**
 * The rule a request broke.
 *
 * - `interop-version`: `Upload-Draft-Interop-Version` missing or not the server's.
 * - `media-type`: a PATCH whose `Content-Type` is not `application/partial-upload`.
 * - `missing-upload-complete`: a creation or append without a valid `Upload-Complete`.
 * - `missing-upload-offset`: an append without a valid `Upload-Offset`.
 * - `offset-mismatch`: an append at another offset than the server's.
 * - `append-after-completion`: an append to a completed upload.
 * - `head-during-append`: an offset retrieval while a creation or append of the same upload was in flight.
 * - `parallel-append`: an append while another creation or append of the same upload was in flight.
 * - `inconsistent-length`: length indicators that disagree with each other or with the offset.
 * - `limit-exceeded`: a request larger than `max-append-size` (or, not completing, smaller than
 *   `min-append-size`) after the limits were announced.
 */
export type DraftRule =
  | "interop-version"
  | "media-type"
  | "missing-upload-complete"
  | "missing-upload-offset"
  | "offset-mismatch"
  | "append-after-completion"
  | "head-during-append"
  | "parallel-append"
  | "inconsistent-length"
  | "limit-exceeded";

/**
 * One broken rule, in the order the server saw them.
 *
 * @example Asserting that a client kept every rule
 * ```ts ignore
 * import assert from "node:assert/strict";
 * assert.deepEqual(server.violations, []);
 * ```
 */
export interface DraftViolation {
  /** The rule broken. */
  readonly rule: DraftRule;
  /** The request's method. */
  readonly method: string;
  /** The request's path. */
  readonly path: string;
  /** A sentence saying what was wrong (values included: this is a test log). */
  readonly message: string;
}
