/**
 * The one driver of both machines: it sends a command, reports progress
 * from the snapshots, turns the caller's abort signals into `upload.abort`,
 * and settles once the machine rests.
 *
 * @module
 */
import type { TusCommunicationError } from "./errors.ts";
import { TusUploadFailed } from "./errors.ts";
import type { StatsData } from "../machines/upload_types.ts";
import { UploadStats } from "./stats.ts";

/** What the driver needs of an actor. */
export interface DrivenActor<Snapshot> {
  getSnapshot(): Snapshot;
  send(event: { type: "upload.abort"; reason: unknown }): void;
  subscribe(observer: {
    next: (snapshot: Snapshot) => void;
    error: (error: unknown) => void;
  }): { unsubscribe(): void };
}

/** How to read a machine's snapshots. */
export interface SnapshotReading<Snapshot> {
  /** The counters behind `UploadStats`. */
  stats(snapshot: Snapshot): StatsData;
  /** The machine waits for a command, or is done. */
  atRest(snapshot: Snapshot): boolean;
  /** Why the machine stopped, when it rests in `failed`. */
  failure(snapshot: Snapshot): TusCommunicationError | null;
  /** The error an abort before any command rejects with. */
  abortError(snapshot: Snapshot, reason: unknown): TusCommunicationError;
}

/** What one drive is watched and stopped by. */
export interface DriveOptions {
  /** Any of them aborting sends `upload.abort`. */
  readonly signals: ReadonlyArray<AbortSignal | undefined>;
  /** Called with a frozen snapshot whenever the confirmed bytes move. */
  readonly onProgress?: (stats: UploadStats) => void;
}

/**
 * Runs `command` (which may start the actor) and waits until the machine
 * rests again.
 *
 * @throws {TusCommunicationError} the machine's failure, or the abort's.
 */
export function drive<Snapshot>(
  actor: DrivenActor<Snapshot>,
  reading: SnapshotReading<Snapshot>,
  command: () => void,
  options: DriveOptions,
): Promise<void> {
  const signals = options.signals.filter((s): s is AbortSignal => !!s);
  const aborted = signals.find((signal) => signal.aborted);
  if (aborted) {
    return Promise.reject(
      reading.abortError(actor.getSnapshot(), aborted.reason),
    );
  }
  return new Promise<void>((resolve, reject) => {
    let reported: StatsData | null = null;
    const onAbort = (event: Event) =>
      actor.send({
        type: "upload.abort",
        reason: (event.target as AbortSignal).reason,
      });
    const finish = (error?: unknown) => {
      subscription.unsubscribe();
      for (const signal of signals) {
        signal.removeEventListener("abort", onAbort);
      }
      error === undefined ? resolve() : reject(error);
    };
    const check = (snapshot: Snapshot) => {
      const stats = reading.stats(snapshot);
      if (options.onProgress && movedOn(reported, stats)) {
        options.onProgress(new UploadStats(stats));
      }
      reported = stats;
      const failure = reading.failure(snapshot);
      if (failure) finish(failure);
      else if (reading.atRest(snapshot)) finish();
    };
    reported = reading.stats(actor.getSnapshot());
    const subscription = actor.subscribe({
      next: check,
      error: (error) =>
        finish(
          new TusUploadFailed(`Cannot upload: ${String(error)}`, {
            cause: error,
          }),
        ),
    });
    for (const signal of signals) {
      signal.addEventListener("abort", onAbort, { once: true });
    }
    command();
    check(actor.getSnapshot());
  });
}

/**
 * The server confirmed more bytes or a chunk, or the connection took more
 * of the chunk in flight.
 */
function movedOn(before: StatsData | null, now: StatsData): boolean {
  if (before === null) return false;
  return now.uploadedBytes !== before.uploadedBytes ||
    now.sentBytes !== before.sentBytes ||
    now.chunksCompleted !== before.chunksCompleted;
}
