/**
 * The PATCH side of the faults about what the client cannot see: a stale
 * offset answered by a closed connection and a repeated `Upload-Length`
 * refused (both as @tus/server does), and a stored chunk whose answer is
 * lost or replaced.
 *
 * @module
 */
import { drop, fail, type TusRequest, type TusState } from "../_context.ts";
import { HeaderError, readInteger } from "../_headers.ts";
import {
  hasKnownLengthRefusal,
  hasStaleDrop,
  takeKnownLengthRefusal,
  takeStaleDrop,
  takeStoredFault,
} from "../faults.ts";

const ACTION = "patch upload";

/**
 * The answer a @tus/server-like fault gives before the body is read, or
 * `null` to handle the PATCH as usual. Malformed headers are left to the
 * usual checks.
 */
export function answerBeforeBody(
  state: TusState,
  tus: TusRequest,
  id: string,
): Response | null {
  if (!hasStaleDrop(state.faults) && !hasKnownLengthRefusal(state.faults)) {
    return null;
  }
  const upload = state.store.get(id);
  if (!upload || upload.gone !== null) return null;
  let offset, declared;
  try {
    offset = readInteger(tus.headers, "upload-offset");
    declared = readInteger(tus.headers, "upload-length");
  } catch (error) {
    if (error instanceof HeaderError) return null;
    throw error;
  }
  // Checked in @tus/server's order: the offset (409) before the length.
  if (offset !== null && offset !== upload.offset) {
    return takeStaleDrop(state.faults) ? drop(tus) : null;
  }
  if (
    declared !== null && upload.length !== null &&
    takeKnownLengthRefusal(state.faults)
  ) {
    return fail(
      400,
      `Cannot ${ACTION}: Upload-Length was declared before, it cannot be sent again`,
    );
  }
  return null;
}

/**
 * The answer that replaces `204` once a PATCH stored its whole body: a
 * dropped connection or another status; `null` when no such fault is set.
 */
export function answerAfterStore(
  state: TusState,
  tus: TusRequest,
): Response | null {
  const fault = takeStoredFault(state.faults);
  if (!fault) return null;
  if (fault.status === null) return drop(tus);
  return fail(
    fault.status,
    `Cannot ${ACTION}: injected ${fault.status} after the bytes were stored`,
  );
}
