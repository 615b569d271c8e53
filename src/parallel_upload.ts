/**
 * Runs the parallel-upload machine to its end through the same driver as
 * a single upload: progress adds up across parts, an abort stops every
 * part.
 *
 * @module
 */
import { createActor, type SnapshotFrom } from "xstate";
import { parallelMachineDefinition } from "../machines/parallel.ts";
import { parallelStats } from "../machines/parallel_logic.ts";
import type {
  ParallelMachineInput,
  PartPlan,
} from "../machines/parallel_types.ts";
import { drive, type SnapshotReading } from "./drive.ts";
import { TusUploadFailed } from "./errors.ts";
import type { ChunkSource } from "./input/chunk_source.ts";
import { openChunkSource } from "./input/open_chunk_source.ts";
import { sliceSource, splitRanges } from "./input/slice_source.ts";
import type { UploadStats } from "./stats.ts";
import { machineInputOf, recallPlanOf, type UploadJob } from "./upload_job.ts";

/** How a parallel upload is watched and stopped. */
export interface ParallelRunOptions {
  readonly onProgress?: (stats: UploadStats) => void;
  readonly signal?: AbortSignal;
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
 * The parallel machine's input: `job` split into ranges of `source`, each
 * a partial upload with its own machine.
 */
export function parallelInputOf(
  job: UploadJob,
  source: ChunkSource,
  reportSent = false,
): ParallelMachineInput {
  const size = source.size ?? 0;
  const ranges = splitRanges(size, job.settings.parallelUploads);
  const recall = recallPlanOf(job);
  const partInput = (plan: PartPlan) => {
    const [start, end] = ranges[plan.index] ?? [0, 0];
    const partJob: UploadJob = {
      ...job,
      settings: {
        ...job.settings,
        checksum: plan.checksum,
        uploadDataDuringCreation: plan.withData,
      },
      metadata: null,
      onUploadUrlAvailable: null,
      creationHeaders: { "Upload-Concat": "partial" },
    };
    const partRecall = recall && plan.key !== null
      ? { ...recall, key: plan.key, removeOnSuccess: false }
      : null;
    const input = machineInputOf(
      partJob,
      sliceSource(source, start, end),
      Infinity,
      partRecall,
    );
    // The parent probed once for every part.
    return { ...input, serverInfo: null, reportSent };
  };
  return {
    transport: job.settings.transport,
    endpoint: job.endpoint ?? "",
    metadata: job.metadata,
    count: ranges.length,
    size,
    checksum: job.settings.checksum,
    uploadDataDuringCreation: job.settings.uploadDataDuringCreation,
    serverInfo: job.serverInfo,
    recall,
    partInput,
  };
}

type ParallelSnapshot = SnapshotFrom<typeof parallelMachineDefinition>;

const reading: SnapshotReading<ParallelSnapshot> = {
  stats: (snapshot) => parallelStats(snapshot.context),
  atRest: (snapshot) => snapshot.status === "done",
  failure: (snapshot) =>
    snapshot.matches("failed") ? snapshot.context.error : null,
  abortError: (_, reason) =>
    new TusUploadFailed("Cannot upload: aborted before it started", {
      cause: reason,
    }),
};

/**
 * Uploads every part, then the final upload.
 *
 * @returns The final upload's URL.
 * @throws {TusUploadFailed} naming the part that failed, or on abort.
 * @throws {TusCommunicationError} when the final upload cannot be created.
 */
export async function runParallelUpload(
  job: UploadJob,
  options: ParallelRunOptions = {},
): Promise<string> {
  await using source = await openedSource(job);
  const actor = createActor(parallelMachineDefinition, {
    input: parallelInputOf(
      job,
      source.value,
      options.onProgress !== undefined,
    ),
    inspect: job.settings.inspect ?? undefined,
  });
  try {
    await drive(actor, reading, () => actor.start(), {
      signals: [options.signal, job.signal],
      onProgress: options.onProgress,
    });
    return actor.getSnapshot().context.url ?? "";
  } finally {
    actor.stop();
  }
}

async function openedSource(
  job: UploadJob,
): Promise<{ value: ChunkSource } & AsyncDisposable> {
  const value = await openChunkSource(job);
  return { value, [Symbol.asyncDispose]: () => value.close() };
}
