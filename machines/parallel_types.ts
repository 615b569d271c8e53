/**
 * Types of the parallel-upload machine: a parent that runs one upload
 * machine per byte range and joins them with the concatenation extension.
 *
 * @module
 */
import type { SnapshotFrom } from "xstate";
import type { TusCommunicationError } from "../src/errors.ts";
import type { ServerInfoCache } from "../src/http/server_info_cache.ts";
import type { Transport } from "../src/http/transport.ts";
import type {
  ChecksumAlgorithm,
  ChecksumChoice,
} from "../src/protocol/checksum.ts";
import type { uploadMachineDefinition } from "./upload.ts";
import type {
  RecallPlan,
  StatsData,
  UploadMachineInput,
  UploadOutput,
} from "./upload_types.ts";

/** What a part's upload machine is built from. */
export interface PartPlan {
  /** From 0. */
  readonly index: number;
  /** How many parts. */
  readonly count: number;
  /** The part's storage key, when the whole has one. */
  readonly key: string | null;
  /** The negotiated `Upload-Checksum` algorithm. */
  readonly checksum: ChecksumAlgorithm | null;
  /** The part's POST carries its first chunk. */
  readonly withData: boolean;
}

/** Everything a parallel upload needs. */
export interface ParallelMachineInput {
  /** How requests are sent. */
  readonly transport: Transport;
  /** The creation endpoint. */
  readonly endpoint: string;
  /** Encoded `Upload-Metadata`, sent with the final upload. */
  readonly metadata: string | null;
  /** How many parts (fewer when there are fewer bytes). */
  readonly count: number;
  /** Total size of all parts. */
  readonly size: number;
  /** The checksum option, negotiated once for every part. */
  readonly checksum: ChecksumChoice;
  /** Parts send their first chunk with their POST when the server allows. */
  readonly uploadDataDuringCreation: boolean;
  /** The server's OPTIONS answer, cached per client. */
  readonly serverInfo: ServerInfoCache;
  /** Remember the final URL (and the parts') across processes; `null` for none. */
  readonly recall: RecallPlan | null;
  /** Builds the upload machine input of one part. */
  readonly partInput: (plan: PartPlan) => UploadMachineInput;
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
  /** The final upload's URL, once recalled or created. */
  readonly url: string | null;
  /** The final upload's storage key, once computed. */
  readonly storageKey: string | null;
  /** `recalling` has run (or had nothing to do). */
  readonly recallDone: boolean;
  /** `probing` has run. */
  readonly probeDone: boolean;
  /** The negotiated `Upload-Checksum` algorithm. */
  readonly checksumAlgorithm: ChecksumAlgorithm | null;
  /** Parts send their first chunk with their POST. */
  readonly withData: boolean;
  /** The parts' machine inputs, once planned. */
  readonly parts: readonly UploadMachineInput[];
  /** What each part's snapshots showed (URLs included, for clean-up or resume). */
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
