/**
 * Parallel uploads as an XState v5 machine: it spawns one upload machine
 * per byte range (`Upload-Concat: partial`), watches their snapshots, and
 * joins them with a final upload (`Upload-Concat: final;…`) that carries the
 * metadata. The visualizer shows the parent and, once running, each part.
 *
 * @module
 */
import {
  type AnyStateMachine,
  assign,
  enqueueActions,
  fromPromise,
  setup,
} from "xstate";
import {
  errorOf,
  forgetUrl,
  outputOf,
  rememberUrl,
  type StorageInput,
  storageInputOf,
} from "./shared_actors.ts";
import { createFinalUpload } from "../src/http/concatenate.ts";
import { readUpload, type UploadState } from "../src/http/read_upload.ts";
import type { Transport } from "../src/http/transport.ts";
import {
  allPartsDone,
  failedPart,
  initialParallelContext,
  partFailure,
  partId,
  progressWith,
} from "./parallel_logic.ts";
import type {
  ParallelContext,
  ParallelEvent,
  ParallelMachineInput,
} from "./parallel_types.ts";
import { uploadMachineDefinition } from "./upload.ts";
import { isGoneError, uploadFailure } from "./upload_logic.ts";
import { TusUploadFailed } from "../src/errors.ts";

type Args = { context: ParallelContext };

/** Input of the `concatenate` actor. */
export interface FinalInput {
  readonly transport: Transport;
  readonly endpoint: string;
  readonly partUrls: readonly string[];
  readonly metadata: string | null;
}

/** Input of the `openFinal` actor. */
export interface OpenFinalInput {
  readonly transport: Transport;
  readonly url: string;
}

function finalInput({ context }: Args): FinalInput {
  return {
    transport: context.transport,
    endpoint: context.endpoint,
    partUrls: context.progress.map((part) => part.url ?? ""),
    metadata: context.metadata,
  };
}

function openFinalInput({ context }: Args): OpenFinalInput {
  return { transport: context.transport, url: context.url ?? "" };
}

function storageInput({ context }: Args): StorageInput {
  return storageInputOf(context);
}

function reasonOf({ event }: { event: ParallelEvent }): { reason: unknown } {
  return { reason: event.type === "upload.abort" ? event.reason : undefined };
}

const abortTransition = {
  target: "#parallelUpload.failed",
  actions: { type: "storeAbort", params: reasonOf },
} as const;

/** The parallel machine with its full types, for code inside tusflow. */
export const parallelMachineDefinition = setup({
  types: {
    context: {} as ParallelContext,
    events: {} as ParallelEvent,
    input: {} as ParallelMachineInput,
    output: {} as { url: string },
  },
  actors: {
    uploadPart: uploadMachineDefinition,
    openFinal: fromPromise<UploadState, OpenFinalInput>(
      ({ input, signal }) => readUpload(input.transport, input.url, signal),
    ),
    concatenate: fromPromise<string, FinalInput>(
      ({ input, signal }) =>
        createFinalUpload(input.transport, { ...input, signal }),
    ),
    rememberUrl,
    forgetUrl,
  },
  guards: {
    hasUrl: ({ context }) => context.url !== null,
    hasUrlStorage: ({ context }) =>
      context.urlStorage !== null && context.fingerprint !== null,
    isCompleteUpload: (_, params: { output: UploadState }) =>
      params.output.length !== null &&
      params.output.offset === params.output.length,
    isGone: (_, params: { error: unknown }) => isGoneError(params.error),
    allPartsDone: ({ context }) => allPartsDone(context),
    anyPartFailed: ({ context }) => failedPart(context) !== -1,
  },
  actions: {
    spawnParts: enqueueActions(({ context, enqueue }) => {
      context.parts.forEach((input, index) => {
        enqueue.spawnChild("uploadPart", {
          id: partId(index),
          input,
          syncSnapshot: true,
        });
      });
    }),
    stopParts: enqueueActions(({ context, enqueue }) => {
      context.parts.forEach((_, index) => enqueue.stopChild(partId(index)));
    }),
    storePartProgress: assign(({ context, event }) => ({
      progress: progressWith(context, event),
    })),
    storeFinalUrl: assign((_, params: { output: string }) => ({
      url: params.output,
    })),
    dropUrl: assign({ url: null }),
    storeFailure: assign((_, params: { error: unknown }) => ({
      error: uploadFailure(params.error, false),
    })),
    storePartFailure: assign(({ context }) => ({
      error: partFailure(context),
    })),
    storeAbort: assign(({ context }, params: { reason: unknown }) => ({
      error: new TusUploadFailed(
        `Cannot upload: aborted (${context.parts.length} parallel parts)`,
        { cause: params.reason },
      ),
    })),
    markFinished: assign(({ context }) => ({
      endTime: Date.now(),
      progress: context.progress,
    })),
  },
}).createMachine({
  id: "parallelUpload",
  initial: "starting",
  context: ({ input }) => initialParallelContext(input),
  output: ({ context }) => ({ url: context.url ?? "" }),
  states: {
    starting: {
      description:
        "A final URL remembered from an earlier run is checked first; else the parts start",
      always: [{ guard: "hasUrl", target: "opening" }, {
        target: "uploadingParts",
      }],
    },
    opening: {
      description: "HEAD on the remembered final upload: complete means done",
      invoke: {
        src: "openFinal",
        input: openFinalInput,
        onDone: [
          {
            guard: { type: "isCompleteUpload", params: outputOf<UploadState> },
            target: "done",
          },
          { target: "forgetting" },
        ],
        onError: [
          { guard: { type: "isGone", params: errorOf }, target: "forgetting" },
          {
            target: "failed",
            actions: { type: "storeFailure", params: errorOf },
          },
        ],
      },
      on: { "upload.abort": abortTransition },
    },
    forgetting: {
      description:
        "The remembered final upload is gone: forget it, upload the parts",
      invoke: {
        src: "forgetUrl",
        input: storageInput,
        onDone: { target: "uploadingParts", actions: "dropUrl" },
        onError: {
          target: "failed",
          actions: { type: "storeFailure", params: errorOf },
        },
      },
      on: { "upload.abort": abortTransition },
    },
    uploadingParts: {
      description:
        "One upload machine per byte range (Upload-Concat: partial), all at once; leaving this state stops every part still running, cancelling its request",
      entry: "spawnParts",
      exit: "stopParts",
      always: [
        {
          guard: "anyPartFailed",
          target: "failed",
          actions: "storePartFailure",
        },
        { guard: "allPartsDone", target: "concatenating" },
      ],
      on: {
        "xstate.snapshot.*": { actions: "storePartProgress" },
        "xstate.done.actor.*": { actions: "storePartProgress" },
        "upload.abort": {
          target: "failed",
          actions: { type: "storeAbort", params: reasonOf },
        },
      },
    },
    concatenating: {
      description:
        "POST Upload-Concat: final;<part URLs> with the metadata: the server joins the parts",
      invoke: {
        src: "concatenate",
        input: finalInput,
        onDone: [
          {
            guard: "hasUrlStorage",
            target: "remembering",
            actions: { type: "storeFinalUrl", params: outputOf<string> },
          },
          {
            target: "done",
            actions: { type: "storeFinalUrl", params: outputOf<string> },
          },
        ],
        onError: {
          target: "failed",
          actions: { type: "storeFailure", params: errorOf },
        },
      },
      on: { "upload.abort": abortTransition },
    },
    remembering: {
      description: "Store the final URL under the content's fingerprint",
      invoke: {
        src: "rememberUrl",
        input: storageInput,
        onDone: { target: "done" },
        onError: {
          target: "failed",
          actions: { type: "storeFailure", params: errorOf },
        },
      },
    },
    done: {
      description: "The final upload joins every part",
      type: "final",
      entry: "markFinished",
    },
    failed: {
      description:
        "A part failed after its retries, the final POST failed, or an abort; finished parts stay on the server",
      type: "final",
    },
  },
});

/**
 * The parallel-upload machine, as published (typed loosely for JSR; see
 * {@linkcode ParallelMachineInput} for its input).
 *
 * @example Listing the machine's states
 * ```ts
 * import { parallelUploadMachine } from "@tusflow/client";
 *
 * console.log("concatenating" in parallelUploadMachine.root.states); // true
 * ```
 */
export const parallelUploadMachine: AnyStateMachine = parallelMachineDefinition;
