/**
 * Parallel uploads as an XState v5 machine: it spawns one upload machine
 * per byte range (`Upload-Concat: partial`), watches their snapshots, and
 * joins them with a final upload (`Upload-Concat: final;…`) that carries the
 * metadata. The visualizer shows the parent and, once running, each part.
 *
 * @module
 */
import { type AnyStateMachine, assign, enqueueActions, setup } from "xstate";
import {
  errorOf,
  forgetUrl,
  outputOf,
  rememberUrl,
  type StorageInput,
} from "./shared_actors.ts";
import type { UploadState } from "../src/http/read_upload.ts";
import {
  allPartsDone,
  failedPart,
  initialParallelContext,
  keysToForget,
  partFailure,
  partId,
  partUrlsOf,
  planParts,
  progressWith,
} from "./parallel_logic.ts";
import {
  concatenate,
  type FinalInput,
  forgetKeys,
  type ForgetKeysInput,
  openFinal,
  type OpenFinalInput,
  probeConcatenation,
} from "./parallel_actors.ts";
import type {
  ParallelContext,
  ParallelEvent,
  ParallelMachineInput,
} from "./parallel_types.ts";
import { uploadMachineDefinition } from "./upload.ts";
import {
  type Negotiated,
  type ProbeInput,
  type Recalled,
  type RecallInput,
  recallUrl,
} from "./upload_actors.ts";
import { afterProbe, afterRecall } from "./upload_logic.ts";
import { isGoneError } from "./retry_policy.ts";
import { uploadFailure } from "./upload_failures.ts";
import { TusUploadFailed, withPartUrls } from "../src/errors.ts";

type Args = { context: ParallelContext };

function missing(what: string): never {
  throw new Error(`Machine invariant broken: ${what}`);
}

function recallInput({ context }: Args): RecallInput {
  return {
    plan: context.recall ?? missing("recalling without a recall plan"),
    endpoint: context.endpoint,
  };
}

function probeInput({ context }: Args): ProbeInput {
  return {
    serverInfo: context.serverInfo,
    checksum: context.checksum,
    wantsDataWithCreation: context.uploadDataDuringCreation,
  };
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
  return {
    storage: context.recall?.storage ?? missing("storage without a plan"),
    fingerprint: context.storageKey ?? missing("storage without a key"),
    url: context.url ?? "",
  };
}

function forgetKeysInput({ context }: Args): ForgetKeysInput {
  return {
    storage: context.recall?.storage ?? missing("storage without a plan"),
    keys: keysToForget(context),
  };
}

function reasonOf({ event }: { event: ParallelEvent }): { reason: unknown } {
  return { reason: event.type === "upload.abort" ? event.reason : undefined };
}

/**
 * The parallel machine with its full types, for code inside tusflow. Built
 * in a function marked pure, so that a bundle that never uses it (a client
 * without `parallelUploads`) drops it with its actions.
 */
export const parallelMachineDefinition = /* @__PURE__ */ (() =>
  setup({
    types: {
      context: {} as ParallelContext,
      events: {} as ParallelEvent,
      input: {} as ParallelMachineInput,
      output: {} as { url: string },
    },
    actors: {
      recallUrl,
      probeConcatenation,
      uploadPart: uploadMachineDefinition,
      openFinal,
      concatenate,
      rememberUrl,
      forgetUrl,
      forgetKeys,
    },
    guards: {
      removesOnSuccess: ({ context }) =>
        context.recall?.removeOnSuccess === true,
      forgetsCompleteUpload: ({ context }, params: { output: UploadState }) =>
        context.recall?.removeOnSuccess === true &&
        params.output.length !== null &&
        params.output.offset === params.output.length,
      needsProbe: ({ context }) => !context.probeDone,
      needsRecall: ({ context }) => !context.recallDone,
      hasUrl: ({ context }) => context.url !== null,
      hasUrlStorage: ({ context }) =>
        context.recall !== null && context.storageKey !== null,
      isCompleteUpload: (_, params: { output: UploadState }) =>
        params.output.length !== null &&
        params.output.offset === params.output.length,
      isGone: (_, params: { error: unknown }) => isGoneError(params.error),
      allPartsDone: ({ context }) => allPartsDone(context),
      anyPartFailed: ({ context }) => failedPart(context) !== -1,
    },
    actions: {
      storeNegotiated: assign((_, params: { output: Negotiated }) => {
        const { checksumAlgorithm, sendWithCreation } = afterProbe(
          params.output,
        );
        return {
          checksumAlgorithm: checksumAlgorithm ?? null,
          withData: sendWithCreation ?? false,
          probeDone: true,
        };
      }),
      storeRecalled: assign((_, params: { output: Recalled }) => {
        const { storageKey, url } = afterRecall(params.output);
        return {
          storageKey: storageKey ?? null,
          url: url ?? null,
          recallDone: true,
        };
      }),
      planParts: assign(({ context }) => planParts(context)),
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
      storeFailure: assign(({ context }, params: { error: unknown }) => ({
        error: withPartUrls(
          uploadFailure(params.error, false, context.url),
          partUrlsOf(context),
        ),
      })),
      storePartFailure: assign(({ context }) => ({
        error: partFailure(context),
      })),
      storeAbort: assign(({ context }, params: { reason: unknown }) => ({
        error: new TusUploadFailed(
          `Cannot upload: aborted (${context.parts.length} parallel parts)`,
          { cause: params.reason, partUrls: partUrlsOf(context) },
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
    on: {
      "upload.abort": {
        description: "Any state: stop every part at once",
        target: ".failed",
        actions: { type: "storeAbort", params: reasonOf },
      },
    },
    states: {
      starting: {
        description:
          "Ask the server for concatenation, look up a remembered final upload; check it, or start the parts",
        always: [
          { guard: "needsProbe", target: "probing" },
          { guard: "needsRecall", target: "recalling" },
          { guard: "hasUrl", target: "opening" },
          { target: "uploadingParts" },
        ],
      },
      probing: {
        description:
          "OPTIONS, once per client: concatenation is required; checksum and creation-with-upload are settled for every part",
        invoke: {
          src: "probeConcatenation",
          input: probeInput,
          onDone: {
            target: "starting",
            actions: { type: "storeNegotiated", params: outputOf<Negotiated> },
          },
          onError: {
            target: "failed",
            actions: { type: "storeFailure", params: errorOf },
          },
        },
      },
      recalling: {
        description:
          "Fingerprint the content and look up the final URL stored under <fingerprint>::<endpoint>",
        invoke: {
          src: "recallUrl",
          input: recallInput,
          onDone: {
            target: "starting",
            actions: { type: "storeRecalled", params: outputOf<Recalled> },
          },
          onError: {
            target: "failed",
            actions: { type: "storeFailure", params: errorOf },
          },
        },
      },
      opening: {
        description: "HEAD on the remembered final upload: complete means done",
        invoke: {
          src: "openFinal",
          input: openFinalInput,
          onDone: [
            {
              description:
                "Complete, and removeFingerprintOnSuccess: forget what is stored",
              guard: {
                type: "forgetsCompleteUpload",
                params: outputOf<UploadState>,
              },
              target: "forgettingParts",
            },
            {
              guard: {
                type: "isCompleteUpload",
                params: outputOf<UploadState>,
              },
              target: "done",
            },
            { target: "forgetting" },
          ],
          onError: [
            {
              guard: { type: "isGone", params: errorOf },
              target: "forgetting",
            },
            {
              target: "failed",
              actions: { type: "storeFailure", params: errorOf },
            },
          ],
        },
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
      },
      uploadingParts: {
        description:
          "One upload machine per byte range (Upload-Concat: partial), all at once; leaving this state stops every part still running, cancelling its request",
        entry: ["planParts", "spawnParts"],
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
        },
      },
      concatenating: {
        description:
          "POST Upload-Concat: final;<part URLs> with the metadata: the server joins the parts",
        invoke: {
          src: "concatenate",
          input: finalInput,
          onDone: {
            target: "joined",
            actions: { type: "storeFinalUrl", params: outputOf<string> },
          },
          onError: {
            target: "failed",
            actions: { type: "storeFailure", params: errorOf },
          },
        },
      },
      joined: {
        description:
          "The final upload exists: with URL storage, the parts' URLs are of no use any more",
        always: [
          { guard: "hasUrlStorage", target: "forgettingParts" },
          { target: "done" },
        ],
      },
      forgettingParts: {
        description:
          "Forget every part's URL (and the final one with removeFingerprintOnSuccess)",
        invoke: {
          src: "forgetKeys",
          input: forgetKeysInput,
          onDone: [
            { guard: "removesOnSuccess", target: "done" },
            { target: "remembering" },
          ],
          onError: {
            target: "failed",
            actions: { type: "storeFailure", params: errorOf },
          },
        },
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
  }))();

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
