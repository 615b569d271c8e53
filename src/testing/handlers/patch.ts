/**
 * PATCH: appends bytes at the upload's offset (tus core, checksum,
 * creation-defer-length, concatenation).
 *
 * @module
 */
import {
  drop,
  empty,
  expiryHeaders,
  fail,
  findUpload,
  type TusRequest,
  type TusState,
} from "../_context.ts";
import {
  hasOffsetContentType,
  HeaderError,
  parseChecksum,
  readInteger,
  type UploadChecksum,
} from "../_headers.ts";
import { ingest } from "../_ingest.ts";
import { type Cut, takeCut } from "../faults.ts";
import type { UploadRecord } from "../store.ts";
import { answerAfterStore, answerBeforeBody } from "./_peer_faults.ts";

const ACTION = "patch upload";

/**
 * Checks the PATCH in the spec's terms (404/410, 403 on a final upload, 415,
 * 400, 423 while another PATCH runs, 409 on an offset mismatch, 413 past
 * the length or `Tus-Max-Size`), then stores the body as it arrives and
 * answers `204` with the new `Upload-Offset`. A body longer than the bytes
 * left, or one whose `Upload-Checksum` differs (460), leaves nothing stored.
 * A pending cut fault drops the connection instead of answering, or with
 * `answer` stores only the bytes before the cut and answers with that offset.
 */
export async function handlePatch(
  state: TusState,
  tus: TusRequest,
  id: string,
): Promise<Response> {
  const early = answerBeforeBody(state, tus, id);
  if (early) return early;
  const cut = takeCut(state.faults);
  const checked = check(state, tus, id);
  if (checked instanceof Response) {
    if (!cut) return checked;
    // Cut a refused PATCH too: read up to the cut, store nothing.
    await tus.body.receive({
      limit: 0,
      stopAfter: cut.afterBytes,
      onPiece() {},
    });
    return drop(tus);
  }
  const { upload, limit, checksum, length } = checked;
  const outcome = await ingest(state, tus, { upload, limit, checksum, cut });
  const kept = outcome === "stored" ||
    (outcome === "cut" && (cut as Cut).keep) ||
    (outcome === "lost" && checksum === null);
  if (kept && length !== null && upload.length === null) {
    state.store.setLength(id, length);
  }
  if (cut?.answer && outcome !== "lost") {
    await tus.body.drain();
  } else if (cut) {
    return drop(tus);
  }
  if (outcome === "overflow") {
    return fail(
      413,
      `Cannot ${ACTION}: the body is longer than ${limit} bytes`,
    );
  }
  if (outcome === "mismatch") {
    return fail(
      460,
      `Cannot ${ACTION}: the ${checksum?.algorithm} checksum does not match`,
    );
  }
  if (outcome === "lost") {
    tus.dropped = true; // nobody is left to read an answer
    return fail(400, `Cannot ${ACTION}: the connection was lost`);
  }
  const replaced = outcome === "stored" ? answerAfterStore(state, tus) : null;
  if (replaced) return replaced;
  const stored = state.store.get(id) as UploadRecord;
  return empty(204, {
    "Upload-Offset": String(stored.offset),
    ...expiryHeaders(state, stored),
  });
}

interface CheckedPatch {
  readonly upload: UploadRecord;
  /** Bytes this PATCH may add. */
  readonly limit: number;
  readonly checksum: UploadChecksum | null;
  /** The upload's length once this PATCH is done (declared here or before). */
  readonly length: number | null;
}

function check(
  state: TusState,
  tus: TusRequest,
  id: string,
): CheckedPatch | Response {
  const { config } = state;
  const upload = findUpload(state, id, ACTION);
  if (upload instanceof Response) return upload;
  if (upload.kind === "final") {
    return fail(403, `Cannot ${ACTION}: it is a final upload (concatenation)`);
  }
  if (!hasOffsetContentType(tus.headers)) {
    return fail(
      415,
      `Cannot ${ACTION}: Content-Type must be application/offset+octet-stream`,
    );
  }
  let offset, declared, contentLength, checksum = null;
  try {
    offset = readInteger(tus.headers, "upload-offset");
    if (offset === null) throw new HeaderError("Upload-Offset is missing");
    declared = readInteger(tus.headers, "upload-length");
    contentLength = readInteger(tus.headers, "content-length");
    const header = tus.headers.get("upload-checksum");
    if (header !== null && config.has("checksum")) {
      checksum = parseChecksum(header, config.checksumAlgorithms);
    }
  } catch (error) {
    if (!(error instanceof HeaderError)) throw error;
    return fail(error.status, `Cannot ${ACTION}: ${error.message}`);
  }
  if (state.busy.has(id)) {
    return fail(423, `Cannot ${ACTION}: another PATCH is in progress`);
  }
  if (offset !== upload.offset) {
    return fail(
      409,
      `Cannot ${ACTION}: Upload-Offset ${offset} is not the upload offset ${upload.offset}`,
    );
  }
  let length = upload.length;
  if (declared !== null && length !== null && declared !== length) {
    return fail(
      400,
      `Cannot ${ACTION}: Upload-Length ${declared} differs from the length ${length}`,
    );
  }
  if (declared !== null && length === null) {
    if (declared < offset) {
      return fail(
        400,
        `Cannot ${ACTION}: Upload-Length ${declared} is below the offset ${offset}`,
      );
    }
    if (config.maxSize !== null && declared > config.maxSize) {
      return fail(
        413,
        `Cannot ${ACTION}: Upload-Length ${declared} exceeds Tus-Max-Size ${config.maxSize}`,
      );
    }
    length = declared;
  }
  const end = length ?? config.maxSize ?? Infinity;
  const limit = end - offset;
  if (contentLength !== null && contentLength > limit) {
    const what = length !== null ? "upload length" : "Tus-Max-Size";
    return fail(
      413,
      `Cannot ${ACTION}: ${contentLength} bytes at offset ${offset} pass the ${what} ${end}`,
    );
  }
  return { upload, limit, checksum, length };
}
