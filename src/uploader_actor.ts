/**
 * The upload machine's actor for an `Uploader`: xstate and the
 * machine, loaded with `import()` when an uploader first opens, so that a
 * browser bundle of `Uploader` (or `TusClient`) does not load them up front.
 *
 * @module
 */
import { type Actor, createActor, type SnapshotFrom } from "xstate";
import { uploadMachineDefinition } from "../machines/upload.ts";
import { abortFailure } from "../machines/upload_failures.ts";
import type { UploadMachineInput } from "../machines/upload_types.ts";
import type { SnapshotReading } from "./drive.ts";
import type { InspectObserver } from "./options.ts";

export { stateName } from "../machines/state_name.ts";

/** One upload machine, run by one `Uploader`. */
export type UploadActor = Actor<typeof uploadMachineDefinition>;

/** A snapshot of {@linkcode UploadActor}. */
export type UploadSnapshot = SnapshotFrom<typeof uploadMachineDefinition>;

/**
 * Creates the actor (not started) of one upload.
 *
 * @param input The machine's input.
 * @param inspect The client's `inspect` observer, if any.
 */
export function createUploadActor(
  input: UploadMachineInput,
  inspect: InspectObserver | undefined,
): UploadActor {
  return createActor(uploadMachineDefinition, { input, inspect });
}

/** How the driver reads the upload machine's snapshots. */
export const reading: SnapshotReading<UploadSnapshot> = {
  stats: (snapshot) => snapshot.context.stats,
  atRest: (snapshot) => snapshot.status === "done" || snapshot.matches("ready"),
  failure: (snapshot) =>
    snapshot.matches("failed") ? snapshot.context.error : null,
  abortError: (snapshot, reason) => abortFailure(snapshot.context, reason),
};
