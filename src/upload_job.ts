/**
 * One upload to run: the resolved settings plus what this call adds (the
 * source, where the upload lives, its metadata and callbacks), turned into
 * the upload machine's input.
 *
 * @module
 */
import type {
  RecallPlan,
  UploadMachineInput,
  UrlListener,
} from "../machines/upload_types.ts";
import type { ServerInfoCache } from "./http/server_info_cache.ts";
import type { ChunkSource } from "./input/chunk_source.ts";
import type { UploadInput } from "./input/upload_input.ts";
import type { Settings } from "./settings.ts";

/** Everything one upload needs, checked. */
export interface UploadJob {
  readonly settings: Settings;
  /** Where a new upload is created; `null` for a bare uploader of a URL. */
  readonly endpoint: string | null;
  /** The existing upload, when resuming one. */
  readonly url: string | null;
  /** Encoded `Upload-Metadata`, or `null`. */
  readonly metadata: string | null;
  /** The content: a path or an input (exactly one). */
  readonly filePath?: string;
  readonly fileStream?: UploadInput;
  /** The cached OPTIONS answer of the endpoint. */
  readonly serverInfo: ServerInfoCache;
  readonly onUploadUrlAvailable: UrlListener | null;
  /** Aborts every operation of the uploader. */
  readonly signal?: AbortSignal;
  /** Extra POST headers (`Upload-Concat: partial`). */
  readonly creationHeaders: Record<string, string>;
  /** Overrides the chunk size of the settings. */
  readonly chunkSize: number;
}

/**
 * The URL-storage plan of a job: with `storeUrl`, a new upload of content
 * that can be fingerprinted (not a stream) is recalled and remembered.
 */
export function recallPlanOf(job: UploadJob): RecallPlan | null {
  const { urlStorage, fingerprinter, removeFingerprintOnSuccess } =
    job.settings;
  const content = job.filePath ?? job.fileStream;
  if (
    urlStorage === null || job.url !== null || job.endpoint === null ||
    content === undefined || content instanceof ReadableStream
  ) {
    return null;
  }
  return {
    storage: urlStorage,
    fingerprinter,
    content,
    key: null,
    removeOnSuccess: removeFingerprintOnSuccess,
  };
}

/** The upload machine's input for `job`, reading from `source`. */
export function machineInputOf(
  job: UploadJob,
  source: ChunkSource,
  stopAt: number,
  recall: RecallPlan | null = recallPlanOf(job),
): UploadMachineInput {
  const { settings } = job;
  const { protocol } = settings;
  return {
    transport: settings.transport,
    protocol,
    source,
    endpoint: job.endpoint,
    url: job.url,
    metadata: job.metadata,
    chunkSize: job.chunkSize,
    checksum: settings.checksum,
    maxRetries: settings.maxRetries,
    retryDelay: settings.retryDelay,
    shouldRetry: settings.shouldRetry,
    onRetry: settings.onRetry,
    // The draft's creation carries data wherever 104s can be seen.
    uploadDataDuringCreation: settings.uploadDataDuringCreation ||
      protocol.dataWithCreation(null, true),
    creationHeaders: job.creationHeaders,
    recall,
    serverInfo: job.serverInfo,
    onUploadUrlAvailable: job.onUploadUrlAvailable,
    stopAt,
  };
}
