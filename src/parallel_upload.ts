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
import { TusUploadFailed } from "./errors.ts";
import type { InspectObserver } from "./options.ts";
import { UploadStats } from "./stats.ts";

/** How a parallel upload is watched and stopped. */
export interface ParallelRunOptions {
  readonly onProgress?: (stats: UploadStats) => void;
  readonly signal?: AbortSignal;
  readonly inspect?: InspectObserver;
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
