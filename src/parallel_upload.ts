/**
 * Runs the parallel-upload machine to its end: progress adds up across
 * parts, an abort stops every part.
 *
 * @module
 */
import { createActor, type SnapshotFrom } from "xstate";
import { parallelMachineDefinition } from "../machines/parallel.ts";
import { parallelStats } from "../machines/parallel_logic.ts";
import type { ParallelMachineInput } from "../machines/parallel_types.ts";
import { TusCommunicationError, TusUploadFailed } from "./errors.ts";
import type { ServerInfo } from "./http/server_options.ts";
import type { Transport } from "./http/transport.ts";
import type { ChunkSource } from "./input/chunk_source.ts";
import { sliceSource, splitRanges } from "./input/slice_source.ts";
import type { UrlStorage } from "./storage/url_storage.ts";
import { machineInput, type UploaderOptions } from "./uploader.ts";
import type { InspectObserver } from "./options.ts";
import { UploadStats } from "./stats.ts";

/** How a parallel upload is watched and stopped. */
export interface ParallelRunOptions {
  readonly onProgress?: (stats: UploadStats) => void;
  readonly signal?: AbortSignal;
  readonly inspect?: InspectObserver;
}

/**
 * Parallel parts need random access and run side by side.
 *
 * @throws {TypeError} for a stream input or a `stopAt`.
 */
export function checkParallelSource(
  options: { fileStream?: unknown; stopAt?: number },
): void {
  if (options.fileStream instanceof ReadableStream) {
    throw new TypeError(
      "Cannot upload a ReadableStream in parallel: parts need random access (use parallelUploads: 1)",
    );
  }
  if (options.stopAt !== undefined) {
    throw new TypeError(
      "Cannot use stopAt with parallelUploads: parts run side by side",
    );
  }
}

/**
 * The server must offer concatenation.
 *
 * @throws {TusCommunicationError} naming the missing extension.
 */
export function checkParallelServer(info: ServerInfo): void {
  if (!info.extensions.includes("concatenation")) {
    throw new TusCommunicationError(
      `Cannot upload in parallel: the server does not support the concatenation extension (it lists: ${
        info.extensions.join(", ") || "none"
      })`,
    );
  }
}

/** What splitting an upload into parts needs. */
export interface ParallelPlan {
  /** The whole input, shared by every part. */
  readonly source: ChunkSource;
  /** How many parts (fewer when there are fewer bytes). */
  readonly count: number;
  /** The options each part's upload machine is built from. */
  readonly uploaderOptions: UploaderOptions;
  readonly transport: Transport;
  readonly endpoint: string;
  /** With `storeUrl`: the storage, the fingerprint and the final URL found. */
  readonly remembered: {
    urlStorage?: UrlStorage;
    fingerprint?: string;
    url?: string;
  };
  /** Send each part's first chunk with its POST. */
  readonly withData: boolean;
}

/**
 * The parallel machine's input: one partial upload per range; with URL
 * storage each part is remembered under `<fingerprint>::part-<i>-of-<n>`.
 */
export async function parallelInput(
  plan: ParallelPlan,
): Promise<ParallelMachineInput> {
  const { remembered, uploaderOptions } = plan;
  const size = plan.source.size ?? 0;
  const ranges = splitRanges(size, plan.count);
  const parts = await Promise.all(ranges.map(async ([start, end], i) => {
    const key = remembered.fingerprint === undefined
      ? undefined
      : `${remembered.fingerprint}::part-${i + 1}-of-${ranges.length}`;
    const storedUrl = key === undefined
      ? null
      : await remembered.urlStorage?.getUrl(key);
    return machineInput(
      {
        ...uploaderOptions,
        encodedMetadata: null,
        url: storedUrl ?? undefined,
        urlStorage: remembered.urlStorage,
        fingerprint: key,
        creationHeaders: { "Upload-Concat": "partial" },
        uploadDataDuringCreation: plan.withData,
      },
      sliceSource(plan.source, start, end),
      plan.transport,
      true,
    );
  }));
  return {
    transport: plan.transport,
    endpoint: plan.endpoint,
    metadata: uploaderOptions.encodedMetadata ?? null,
    parts,
    size,
    urlStorage: remembered.urlStorage ?? null,
    fingerprint: remembered.fingerprint ?? null,
    url: remembered.url ?? null,
  };
}

type ParallelSnapshot = SnapshotFrom<typeof parallelMachineDefinition>;

/**
 * Uploads every part, then the final upload.
 *
 * @returns The final upload's URL.
 * @throws {TusUploadFailed} naming the part that failed, or on abort.
 * @throws {TusCommunicationError} when the final upload cannot be created.
 */
export function runParallelUpload(
  input: ParallelMachineInput,
  options: ParallelRunOptions = {},
): Promise<string> {
  const { signal, onProgress } = options;
  if (signal?.aborted) {
    return Promise.reject(
      new TusUploadFailed("Cannot upload: aborted before it started", {
        cause: signal.reason,
      }),
    );
  }
  const actor = createActor(parallelMachineDefinition, {
    input,
    inspect: options.inspect,
  });
  return new Promise<string>((resolve, reject) => {
    let reported: number | null = null;
    const onAbort = () =>
      actor.send({ type: "upload.abort", reason: signal?.reason });
    const finish = (error: unknown, url?: string) => {
      subscription.unsubscribe();
      signal?.removeEventListener("abort", onAbort);
      actor.stop();
      error === null ? resolve(url ?? "") : reject(error);
    };
    const check = (snapshot: ParallelSnapshot) => {
      const stats = parallelStats(snapshot.context);
      if (reported === null) reported = stats.uploadedBytes;
      else if (onProgress && stats.uploadedBytes !== reported) {
        reported = stats.uploadedBytes;
        onProgress(new UploadStats(stats));
      }
      if (snapshot.matches("done")) finish(null, snapshot.context.url ?? "");
      else if (snapshot.matches("failed")) finish(snapshot.context.error);
    };
    const subscription = actor.subscribe({
      next: check,
      error: (error) =>
        finish(
          new TusUploadFailed(`Cannot upload: ${String(error)}`, {
            cause: error,
          }),
        ),
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    actor.start();
  });
}
