/**
 * One attempt at a soak upload with the public client API: create (or pick
 * up from storage) and send, or resume a given URL. Used in the soak's own
 * process and by `worker.ts` in child processes.
 *
 * @module
 */
import {
  FileUrlStorage,
  TusClient,
  type TusClientOptions,
  TusCommunicationError,
  TusUploadFailed,
} from "../mod.ts";
import type { InputKind } from "./plan.ts";
import { Prng } from "./prng.ts";

/** Everything an attempt needs; plain data, so it crosses processes. */
export interface AttemptConfig {
  /** The creation endpoint (the proxy's). */
  readonly endpoint: string;
  /** Tag sent with every request (`x-soak-upload`). */
  readonly id: string;
  readonly filePath: string;
  readonly input: InputKind;
  readonly chunkSize: number | "Infinity";
  readonly checksum: boolean;
  readonly uploadDataDuringCreation: boolean;
  readonly parallelUploads: number;
  readonly maxRetries: number;
  readonly retryDelay: number;
  readonly timeout: number;
  /** FileUrlStorage file, when the upload stores its URL. */
  readonly storagePath: string | null;
  /** Resume this URL instead of uploading (and looking up storage). */
  readonly uploadUrl: string | null;
  /** Seed of the stream's piece sizes. */
  readonly seed: number;
}

/** How an attempt ended. */
export type AttemptOutcome =
  | { readonly ok: true; readonly url: string; readonly retries: number }
  | {
    readonly ok: false;
    /** TusUploadFailed or TusCommunicationError. */
    readonly typed: boolean;
    readonly name: string;
    readonly message: string;
    readonly statusCode: number | null;
    /** The error's resume handle, when the client gives one. */
    readonly uploadUrl: string | null;
    readonly retries: number;
  };

/**
 * Runs one attempt; never throws for an upload failure.
 *
 * @param config What to upload and how.
 * @param bytes The content, when the caller has it in memory already.
 * @param signal Aborts the attempt.
 */
export async function runAttempt(
  config: AttemptConfig,
  bytes: Uint8Array<ArrayBuffer> | null,
  signal?: AbortSignal,
): Promise<AttemptOutcome> {
  let retried = 0;
  let statsRetried = 0;
  const options: TusClientOptions & Record<string, unknown> = {
    chunkSize: config.chunkSize === "Infinity" ? Infinity : config.chunkSize,
    checksum: config.checksum,
    uploadDataDuringCreation: config.uploadDataDuringCreation,
    parallelUploads: config.parallelUploads,
    maxRetries: config.maxRetries,
    retryDelay: config.retryDelay,
    timeout: config.timeout,
    headers: { "x-soak-upload": config.id },
    storeUrl: config.storagePath !== null,
    urlStorage: config.storagePath === null
      ? undefined
      : new FileUrlStorage(config.storagePath),
    // Second-round option; ignored by a client that does not know it.
    onRetry: () => {
      retried += 1;
    },
  };
  try {
    const client = new TusClient(config.endpoint, options);
    const source = await sourceOf(config, bytes);
    const onProgress = (stats: { chunksRetried: number }) => {
      statsRetried = stats.chunksRetried;
    };
    const url = config.uploadUrl === null
      ? await client.uploadFile({
        ...source,
        metadata: { soak: config.id },
        onProgress,
        signal,
      })
      : await client.resumeUpload({
        ...source,
        uploadUrl: config.uploadUrl,
        onProgress,
        signal,
      });
    return { ok: true, url, retries: Math.max(retried, statsRetried) };
  } catch (error) {
    const typed = error instanceof TusUploadFailed ||
      error instanceof TusCommunicationError;
    const handle = (error as { uploadUrl?: unknown }).uploadUrl;
    return {
      ok: false,
      typed,
      name: error instanceof Error ? error.name : typeof error,
      message: error instanceof Error ? error.message : String(error),
      statusCode: typed ? (error as TusCommunicationError).statusCode : null,
      uploadUrl: typeof handle === "string" ? handle : null,
      retries: Math.max(retried, statsRetried),
    };
  }
}

async function sourceOf(
  config: AttemptConfig,
  bytes: Uint8Array<ArrayBuffer> | null,
): Promise<
  { filePath: string } | {
    fileStream: Uint8Array | Blob | ReadableStream<Uint8Array>;
  }
> {
  if (config.input === "path") return { filePath: config.filePath };
  const content = bytes ?? await readBytes(config.filePath);
  if (config.input === "bytes") return { fileStream: content };
  if (config.input === "blob") return { fileStream: new Blob([content]) };
  return { fileStream: pieces(content, new Prng(config.seed)) };
}

/** The content as a stream of unknown length, in pieces of random sizes. */
function pieces(
  content: Uint8Array,
  prng: Prng,
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= content.length) {
        controller.close();
        return;
      }
      const size = prng.int(1, 256 * 1024);
      // A copy: the reader may keep or transfer what it gets.
      controller.enqueue(content.slice(at, at + size));
      at += size;
    },
  });
}

async function readBytes(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const { readFile } = await import("node:fs/promises");
  return new Uint8Array(await readFile(path));
}
