/**
 * A real tus 1.0.0 server on Hono for tests: every extension tusflow uses
 * (creation, creation-with-upload, creation-defer-length, termination,
 * checksum, expiration, concatenation), strict validation with the spec's
 * status codes, fault injection (failed answers, cut connections, conflicts,
 * latency, vanished uploads) and a log of every request.
 *
 * It parses tus on its own and imports nothing from the client, so a bug in
 * shared code cannot hide on both sides of a test.
 *
 * @example Uploading five bytes with raw fetch
 * ```ts
 * import { startTusServer } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer();
 * const created = await fetch(server.url, {
 *   method: "POST",
 *   headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "5" },
 * });
 * await created.body?.cancel();
 * const url = created.headers.get("Location") ?? "";
 * const patched = await fetch(url, {
 *   method: "PATCH",
 *   headers: {
 *     "Tus-Resumable": "1.0.0",
 *     "Upload-Offset": "0",
 *     "Content-Type": "application/offset+octet-stream",
 *   },
 *   body: new TextEncoder().encode("hello"),
 * });
 * await patched.body?.cancel();
 * console.log(patched.headers.get("Upload-Offset")); // "5"
 * console.log(new TextDecoder().decode(server.bytesOf(url) ?? undefined)); // "hello"
 * ```
 *
 * @module
 */
export { startTusServer } from "./server.ts";
export type { TusServer, TusServerOptions } from "./server.ts";
export { createTusApp } from "./app.ts";
export type {
  TusApp,
  TusAppOptions,
  TusBindings,
  UploadSnapshot,
} from "./app.ts";
export { Faults } from "./faults.ts";
export type { CutOptions, FailOptions, StallOptions } from "./faults.ts";
export { headersRecord } from "./request_log.ts";
export type { RequestLogEntry } from "./request_log.ts";
export { MemoryUploadStore } from "./store.ts";
export type {
  NewUpload,
  UploadKind,
  UploadRecord,
  UploadStore,
} from "./store.ts";
export type { ServeConnection, ServeRuntime } from "../runtime/serve.ts";
export {
  DRAFT_SERVER_INTEROP_VERSION,
  startDraftServer,
} from "./draft/server.ts";
export type {
  DraftServer,
  DraftServerOptions,
  DraftUploadSnapshot,
} from "./draft/server.ts";
export { DraftFaults } from "./draft/faults.ts";
export type { DraftCutOptions } from "./draft/faults.ts";
export type { DraftLimits } from "./draft/_fields.ts";
export type { DraftInterim, DraftRequestLogEntry } from "./draft/_state.ts";
export type { DraftRule, DraftViolation } from "./draft/violations.ts";
