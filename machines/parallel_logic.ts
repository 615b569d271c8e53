/**
 * Plain functions behind the parallel machine's guards and actions.
 *
 * @module
 */
import { TusUploadFailed } from "../src/errors.ts";
import { initialContext } from "./upload_logic.ts";
import type {
  ParallelContext,
  ParallelMachineInput,
  PartDoneEvent,
  PartProgress,
  PartSnapshotEvent,
} from "./parallel_types.ts";
import { stateName } from "./state_name.ts";
import type { StatsData, UploadMachineInput } from "./upload_types.ts";
import { partStorageKey } from "../src/storage/storage_key.ts";

const PART_PREFIX = "part-";

/** The child actor id of part `index`. */
export function partId(index: number): string {
  return `${PART_PREFIX}${index}`;
}

/** The part index an `xstate.snapshot.*` or `xstate.done.actor.*` event comes from, or -1. */
export function partIndexOf(event: { type: string }): number {
  const id = event.type.replace(/^xstate\.(snapshot|done\.actor)\./, "");
  return id.startsWith(PART_PREFIX) ? Number(id.slice(PART_PREFIX.length)) : -1;
}

/** What the parent keeps of a part that finished. */
export function progressOfDone(event: PartDoneEvent): PartProgress {
  return {
    url: event.output.url,
    state: "done",
    done: true,
    error: null,
    stats: event.output.stats,
  };
}

/** The context a parallel upload starts with. */
export function initialParallelContext(
  input: ParallelMachineInput,
): ParallelContext {
  return {
    ...input,
    url: null,
    storageKey: input.recall?.key ?? null,
    recallDone: input.recall === null,
    probeDone: false,
    checksumAlgorithm: null,
    withData: false,
    parts: [],
    progress: [],
    error: null,
    startTime: Date.now(),
    endTime: null,
  };
}

/**
 * One machine input per part, each remembered under
 * `<key>::part-<i>-of-<n>` when the whole has a key.
 */
export function planParts(context: ParallelContext): {
  parts: UploadMachineInput[];
  progress: PartProgress[];
} {
  const parts = Array.from(
    { length: context.count },
    (_, index) =>
      context.partInput({
        index,
        count: context.count,
        key: context.storageKey === null
          ? null
          : partStorageKey(context.storageKey, index, context.count),
        checksum: context.checksumAlgorithm,
        withData: context.withData,
      }),
  );
  const progress = parts.map((part) => ({
    url: part.url,
    state: "starting",
    done: false,
    error: null,
    stats: initialContext(part).stats,
  }));
  return { parts, progress };
}

/** What the parent keeps of a part's snapshot. */
export function progressOf(event: PartSnapshotEvent): PartProgress {
  const { snapshot } = event;
  return {
    url: snapshot.context.url,
    state: stateName(snapshot.value),
    done: snapshot.status === "done",
    error: snapshot.context.error,
    stats: snapshot.context.stats,
  };
}

/**
 * The progress list with the part an `xstate.snapshot.*` or
 * `xstate.done.actor.*` event speaks of brought up to date (unchanged for
 * any other event).
 */
export function progressWith(
  context: ParallelContext,
  event: { type: string },
): readonly PartProgress[] {
  const index = partIndexOf(event);
  if (index < 0) return context.progress;
  const progress = [...context.progress];
  progress[index] = event.type.startsWith("xstate.done.actor.")
    ? progressOfDone(event as PartDoneEvent)
    : progressOf(event as PartSnapshotEvent);
  return progress;
}

/** Every part is on the server in full. */
export function allPartsDone(context: ParallelContext): boolean {
  return context.progress.every((part) => part.done);
}

/** The first part that failed, or -1. */
export function failedPart(context: ParallelContext): number {
  return context.progress.findIndex((part) => part.state === "failed");
}

/** The error naming the part that failed. */
export function partFailure(context: ParallelContext): TusUploadFailed {
  const index = failedPart(context);
  const part = context.progress[index];
  const cause = part?.error ?? null;
  return new TusUploadFailed(
    `Cannot upload part ${index + 1} of ${context.progress.length}: ${
      cause?.message ?? "it failed"
    }`,
    {
      statusCode: cause?.statusCode ?? null,
      responseContent: cause?.responseContent ?? null,
      partUrls: partUrlsOf(context),
      cause,
    },
  );
}

/** The URLs of the parts created so far, in part order. */
export function partUrlsOf(context: ParallelContext): string[] {
  return context.progress.flatMap((part) =>
    part.url === null ? [] : [part.url]
  );
}

/** The parts' stats added up, as one upload's. */
export function parallelStats(context: ParallelContext): StatsData {
  const sum = (pick: (stats: StatsData) => number) =>
    context.progress.reduce((total, part) => total + pick(part.stats), 0);
  return {
    totalBytes: context.size,
    uploadedBytes: context.endTime !== null
      ? context.size
      : sum((s) => s.uploadedBytes),
    sentBytes: context.endTime !== null
      ? context.size
      : sum((s) => s.sentBytes),
    startOffset: sum((s) => s.startOffset),
    chunksCompleted: sum((s) => s.chunksCompleted),
    chunksFailed: sum((s) => s.chunksFailed),
    chunksRetried: sum((s) => s.chunksRetried),
    startTime: context.startTime,
    endTime: context.endTime,
  };
}

/**
 * The keys to forget once the final upload exists: every part's, and the
 * final one too with `removeFingerprintOnSuccess`.
 */
export function keysToForget(context: ParallelContext): string[] {
  const key = context.storageKey;
  if (key === null) return [];
  const parts = Array.from(
    { length: context.count },
    (_, index) => partStorageKey(key, index, context.count),
  );
  return context.recall?.removeOnSuccess ? [...parts, key] : parts;
}
