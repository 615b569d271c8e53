/**
 * What every handler of the test server works with, and the answers they share.
 *
 * @module
 */
import { dropResponse, type ServeConnection } from "../runtime/serve.ts";
import type { TusConfig } from "./_config.ts";
import type { RequestBody } from "./_body.ts";
import type { Faults } from "./faults.ts";
import type { UploadRecord, UploadStore } from "./store.ts";

/** The server-wide state. */
export interface TusState {
  readonly config: TusConfig;
  readonly store: UploadStore;
  readonly faults: Faults;
  /** Uploads with a PATCH (or creation-with-upload) in progress. */
  readonly busy: Set<string>;
}

/** One request being handled. */
export interface TusRequest {
  readonly request: Request;
  readonly url: URL;
  readonly headers: Headers;
  /** The effective method (after `X-HTTP-Method-Override`). */
  readonly method: string;
  readonly body: RequestBody;
  readonly connection: ServeConnection | null;
  /** Set when the answer is a dropped connection. */
  dropped: boolean;
  /** Set when the server itself cut the connection (a fault). */
  cut: boolean;
}

/** An answer with a plain-text explanation. */
export function fail(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(message, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}

/** An answer without a body. */
export function empty(
  status: number,
  headers: Record<string, string> = {},
): Response {
  return new Response(null, { status, headers });
}

/** Drops the request's connection without an answer. */
export function drop(tus: TusRequest): Response {
  tus.dropped = true;
  tus.cut = true;
  tus.body.cancel();
  return tus.connection?.drop() ?? dropResponse();
}

/** Whether an unfinished upload is past its expiry time. */
export function isExpired(upload: UploadRecord, now = Date.now()): boolean {
  return upload.expiresAt !== null && now >= upload.expiresAt &&
    !isComplete(upload);
}

/** Whether every byte of the upload arrived. */
export function isComplete(upload: UploadRecord): boolean {
  return upload.length !== null && upload.offset === upload.length;
}

/** `Upload-Expires` for an upload that is going to expire (RFC 9110 date). */
export function expiryHeaders(
  state: TusState,
  upload: UploadRecord,
): Record<string, string> {
  if (!state.config.has("expiration") || upload.expiresAt === null) return {};
  if (isComplete(upload)) return {};
  return { "Upload-Expires": new Date(upload.expiresAt).toUTCString() };
}

/**
 * The upload an upload URL names, or the answer when it cannot be served:
 * 404 when unknown or forgotten, 410 when terminated or expired.
 */
export function findUpload(
  state: TusState,
  id: string,
  action: string,
): UploadRecord | Response {
  const upload = state.store.get(id);
  if (upload && upload.gone === null && isExpired(upload)) {
    state.store.markGone(id, 410);
    return fail(410, `Cannot ${action}: the upload expired`);
  }
  if (!upload || upload.gone === 404) {
    return fail(404, `Cannot ${action}: no such upload`);
  }
  if (upload.gone === 410) {
    return fail(410, `Cannot ${action}: the upload is gone`);
  }
  return upload;
}
