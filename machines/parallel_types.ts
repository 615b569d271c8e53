/**
 * Types of the parallel-upload machine: a parent that runs one upload
 * machine per byte range and joins them with the concatenation extension.
 *
 * @module
 */
import type { SnapshotFrom } from "xstate";
import type { TusCommunicationError } from "../src/errors.ts";
import type { Transport } from "../src/http/transport.ts";
import type { UrlStorage } from "../src/storage/url_storage.ts";
import type { uploadMachineDefinition } from "./upload.ts";
import type {
  StatsData,
  UploadMachineInput,
  UploadOutput,
} from "./upload_types.ts";

/** Everything a parallel upload needs. */
export interface ParallelMachineInput {
  /** How requests are sent. */
  readonly transport: Transport;
  /** The creation endpoint. */
  readonly endpoint: string;
  /** Encoded `Upload-Metadata`, sent with the final upload. */
  readonly metadata: string | null;
  /** One upload-machine input per part (`Upload-Concat: partial`). */
  readonly parts: readonly UploadMachineInput[];
  /** Total size of all parts. */
  readonly size: number;
  /** Where the final URL is remembered under `fingerprint`. */
  readonly urlStorage: UrlStorage | null;
  /** The content's fingerprint: the final URL's key in `urlStorage`. */
  readonly fingerprint: string | null;
  /** A final upload URL remembered from an earlier run. */
  readonly url: string | null;
}

/** What the parent knows of one part, from the part's own snapshots. */
export interface PartProgress {
  /** The part's upload URL, once created. */
  readonly url: string | null;
  /** The part machine's state name. */
  readonly state: string;
  /** The server holds the whole part. */
  readonly done: boolean;
  /** Why the part failed, if it did. */
  readonly error: TusCommunicationError | null;
  /** The part's counters. */
  readonly stats: StatsData;
}

/** The parallel machine's context. */
export interface ParallelContext extends ParallelMachineInput {
  readonly progress: readonly PartProgress[];
  readonly error: TusCommunicationError | null;
  /** ms since epoch. */
  readonly startTime: number;
  readonly endTime: number | null;
}

/** A part's snapshot, forwarded by `syncSnapshot`. */
export interface PartSnapshotEvent {
  readonly type: `xstate.snapshot.${string}`;
  readonly snapshot: SnapshotFrom<typeof uploadMachineDefinition>;
}

/** A part reached `done`: its final state is not forwarded as a snapshot. */
export interface PartDoneEvent {
  readonly type: `xstate.done.actor.${string}`;
  readonly output: UploadOutput;
}

/** Events the parallel machine accepts. */
export type ParallelEvent =
  | { type: "upload.abort"; reason: unknown }
  | PartSnapshotEvent
  | PartDoneEvent;
