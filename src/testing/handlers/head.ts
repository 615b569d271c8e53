/**
 * HEAD: where an upload stands (tus core).
 *
 * @module
 */
import {
  empty,
  expiryHeaders,
  findUpload,
  type TusState,
} from "../_context.ts";

/**
 * Answers `200 OK` with `Upload-Offset`, `Upload-Length` (or
 * `Upload-Defer-Length: 1`), `Upload-Metadata` and `Upload-Concat` as
 * received, `Upload-Expires` while the upload may expire, and
 * `Cache-Control: no-store`. A final upload is assembled at creation, so its
 * offset always equals its length.
 */
export function handleHead(state: TusState, id: string): Response {
  const upload = findUpload(state, id, "read upload");
  if (upload instanceof Response) return upload;
  const headers: Record<string, string> = {
    "Cache-Control": "no-store",
    "Upload-Offset": String(upload.offset),
    ...expiryHeaders(state, upload),
  };
  if (upload.length === null) headers["Upload-Defer-Length"] = "1";
  else headers["Upload-Length"] = String(upload.length);
  if (upload.metadataHeader !== null) {
    headers["Upload-Metadata"] = upload.metadataHeader;
  }
  if (upload.concatHeader !== null) {
    headers["Upload-Concat"] = upload.concatHeader;
  }
  return empty(200, headers);
}
