/**
 * Stores the bytes of a PATCH (or of a creation-with-upload POST) as they
 * arrive, and takes them back when the request turns out to be refused.
 *
 * @module
 */
import { CHECKSUM_DIGESTS } from "./_config.ts";
import type { TusRequest, TusState } from "./_context.ts";
import type { UploadChecksum } from "./_headers.ts";
import type { Cut } from "./faults.ts";
import type { UploadRecord } from "./store.ts";

/** What a request's bytes may do to an upload. */
export interface IngestOptions {
  readonly upload: UploadRecord;
  /** Most bytes this request may add (past it: overflow, nothing stored). */
  readonly limit: number;
  /** `Upload-Checksum`, verified over the whole body before storing. */
  readonly checksum: UploadChecksum | null;
  /** A cut fault to apply, or `null`. */
  readonly cut: Cut | null;
}

/**
 * How it ended: `stored` (all of it), `overflow` (too long, nothing stored),
 * `mismatch` (checksum, nothing stored), `cut` (stopped by the fault; kept
 * unless the fault says otherwise) or `lost` (the connection broke: what
 * arrived is kept unless a checksum could not be verified).
 */
export type IngestOutcome = "stored" | "overflow" | "mismatch" | "cut" | "lost";

/** Reads the body into the upload, following the protocol's rules. */
export async function ingest(
  state: TusState,
  tus: TusRequest,
  options: IngestOptions,
): Promise<IngestOutcome> {
  const { upload, checksum, cut } = options;
  const { store } = state;
  const start = upload.offset;
  // Checksum: nothing may change before the whole body is verified.
  const held: Uint8Array[] | null = checksum ? [] : null;
  state.busy.add(upload.id);
  try {
    const result = await tus.body.receive({
      limit: options.limit,
      stopAfter: cut?.afterBytes ?? null,
      onPiece: (piece) =>
        held ? held.push(piece) : store.append(upload.id, piece),
    });
    if (result.overflow) {
      store.truncate(upload.id, start);
      return "overflow";
    }
    if (result.lost !== null) return "lost";
    if (result.stopped) {
      if (cut?.keep) commit(state, upload.id, held);
      else store.truncate(upload.id, start);
      return "cut";
    }
    if (checksum && held) {
      if (!await matches(checksum, held)) return "mismatch";
      commit(state, upload.id, held);
    }
    return "stored";
  } finally {
    state.busy.delete(upload.id);
  }
}

function commit(
  state: TusState,
  id: string,
  held: Uint8Array[] | null,
): void {
  for (const piece of held ?? []) state.store.append(id, piece);
}

async function matches(
  checksum: UploadChecksum,
  pieces: Uint8Array[],
): Promise<boolean> {
  const size = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const body = new Uint8Array(size);
  let at = 0;
  for (const piece of pieces) {
    body.set(piece, at);
    at += piece.length;
  }
  const name = CHECKSUM_DIGESTS[checksum.algorithm] as string;
  const digest = new Uint8Array(await crypto.subtle.digest(name, body));
  return digest.length === checksum.digest.length &&
    digest.every((byte, i) => byte === checksum.digest[i]);
}
