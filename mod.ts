/**
 * tusflow: a resumable-upload client for the tus protocol (tus 1.0.0 and
 * its extensions), whose upload lifecycle is an XState v5 machine.
 *
 * @example Uploading a file and resuming it later
 * ```ts ignore
 * import { TusClient } from "@tusflow/client";
 *
 * const client = new TusClient("http://127.0.0.1:1080/files/");
 * const url = await client.uploadFile({ filePath: "video.mp4", stopAt: 1024 });
 * await client.resumeUpload({ filePath: "video.mp4", uploadUrl: url });
 * ```
 *
 * @module
 */
export {
  type CreateUploaderOptions,
  type ResumeUploadOptions,
  type ServerInfo,
  TusClient,
  type UploadFileOptions,
  type UploadInfo,
  type UploadSource,
} from "./src/client.ts";
export {
  Uploader,
  type UploaderOptions,
  type UploadOptions,
} from "./src/uploader.ts";
export { UploadStats } from "./src/stats.ts";
export {
  TusCommunicationError,
  type TusErrorDetails,
  TusUploadFailed,
} from "./src/errors.ts";
export {
  DEFAULTS,
  type InspectEvent,
  type InspectListener,
  type InspectObserver,
  type TusClientOptions,
} from "./src/options.ts";
export type { UploadInput } from "./src/input/upload_input.ts";
export type { ChunkSource } from "./src/input/chunk_source.ts";
export type {
  ChunkPrefetcher,
  PreparedChunk,
} from "./src/input/chunk_prefetch.ts";
export type {
  AfterResponseHook,
  BeforeRequestHook,
  Transport,
  TusLogEvent,
  TusLogger,
} from "./src/http/transport.ts";
export type {
  ChecksumAlgorithm,
  ChecksumChoice,
} from "./src/protocol/checksum.ts";
export type { ServerInfoCache } from "./src/http/server_info_cache.ts";
export { IETF_DRAFT_INTEROP_VERSION } from "./src/ietf/headers.ts";
export type { ProtocolAdapter, ProtocolName } from "./src/http/protocol.ts";
export type {
  CreatedUpload,
  CreateUploadRequest,
} from "./src/http/create_upload.ts";
export type { UploadState } from "./src/http/read_upload.ts";
export type { ChunkRequest, ChunkResult } from "./src/http/send_chunk.ts";
export type { UploadLimit } from "./src/protocol/upload_limit.ts";
export { formatLogEvent } from "./src/runtime/debug_log.ts";
export { partStorageKey, storageKey } from "./src/storage/storage_key.ts";
export type { UrlStorage } from "./src/storage/url_storage.ts";
export { MemoryUrlStorage } from "./src/storage/memory_url_storage.ts";
export {
  FileUrlStorage,
  type FileUrlStorageOptions,
} from "./src/storage/file_url_storage.ts";
export {
  WebStorageUrlStorage,
  type WebStorageUrlStorageOptions,
} from "./src/storage/web_storage_url_storage.ts";
export {
  Fingerprint,
  type Fingerprinter,
  type FingerprintOptions,
} from "./src/fingerprint.ts";
// `uploadMachine` and `parallelUploadMachine`. A browser build leaves these
// two values out (import them from `@tusflow/client/machines` there): they
// would load xstate and both machines with the entry.
export * from "./src/machine_values.ts";
export type {
  ParallelMachineInput,
  PartPlan,
  PartProgress,
} from "./machines/parallel_types.ts";
export type {
  FailedStep,
  RecallPlan,
  RetryEvent,
  RetryListener,
  ShouldRetry,
  StatsData,
  UploadContext,
  UploadEvent,
  UploadMachineInput,
  UploadOutput,
  UrlListener,
} from "./machines/upload_types.ts";
