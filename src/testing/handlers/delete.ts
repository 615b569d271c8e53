/**
 * DELETE: terminates an upload (termination extension).
 *
 * @module
 */
import { empty, fail, findUpload, type TusState } from "../_context.ts";

/**
 * Answers `204 No Content` and forgets the bytes; the upload answers `410
 * Gone` from then on. An upload with a PATCH in progress answers `423 Locked`.
 */
export function handleDelete(state: TusState, id: string): Response {
  const upload = findUpload(state, id, "terminate upload");
  if (upload instanceof Response) return upload;
  if (state.busy.has(id)) {
    return fail(423, "Cannot terminate upload: a PATCH is in progress");
  }
  state.store.markGone(id, 410);
  return empty(204);
}
