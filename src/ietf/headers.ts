/**
 * Names and fixed values of draft-ietf-httpbis-resumable-upload as this
 * client speaks it.
 *
 * @module
 */

/**
 * The draft interop version sent as `Upload-Draft-Interop-Version`: 9 is
 * draft -12 (the editor's copy of 2026-07-01 with httpwg/http-extensions pull
 * requests #3463, #3466, #3470, #3471, #3472 and #3476).
 *
 * @example
 * ```ts
 * import { IETF_DRAFT_INTEROP_VERSION } from "./headers.ts";
 * console.log(IETF_DRAFT_INTEROP_VERSION); // 9
 * ```
 */
export const IETF_DRAFT_INTEROP_VERSION = 9;

/** Media type of append bodies. */
export const PARTIAL_UPLOAD = "application/partial-upload";

/** Header field names the draft defines (lower case, as `Headers` returns them). */
export const DRAFT_HEADERS = {
  interopVersion: "upload-draft-interop-version",
  offset: "upload-offset",
  complete: "upload-complete",
  length: "upload-length",
  limit: "upload-limit",
} as const;

/** Status of the draft's interim response, Upload Resumption Supported. */
export const UPLOAD_RESUMPTION_SUPPORTED = 104;
