/**
 * The upload lifecycle as an XState v5 machine. Paste it into the Stately
 * visualizer to see what an upload does: every side effect is a named actor,
 * action, guard or delay given to `setup()`, and every decision a plain
 * function of `upload_logic.ts` or `retry_policy.ts`.
 *
 * The path of an upload: `starting` → `recalling` (fingerprint, stored URL)
 * → `probing` (OPTIONS: checksum, creation-with-upload) → `opening` (HEAD
 * of a known URL) or `creating` (POST) → `urlKnown` → `remembering` /
 * `announcing` → `next` ⇄ `uploading` → `done`. A failure goes through
 * `judging`: a 409 to `conflict` (HEAD, then seek), a retryable failure to
 * `retrying` and then `conflict` (HEAD first, never a stale chunk), a 460
 * to `retrying` and the same bytes again, another 4xx to `verifying` (one
 * HEAD: done if the server holds every byte), anything else to `failed`.
 * An abort reaches `failed` from any state.
 *
 * @module
 */
import { type AnyStateMachine, assign, setup } from "xstate";
import { forgetUrl, outputOf, rememberUrl } from "./shared_actors.ts";
import {
  announceUrl,
  createUpload,
  type Negotiated,
  probeServer,
  readOffset,
  type Recalled,
  recallUrl,
  sendChunk,
} from "./upload_actors.ts";
import {
  announceInput,
  chunkInput,
  creationInput,
  offsetInput,
  probeInput,
  recallInput,
  storageInput,
} from "./upload_inputs.ts";
import type { CreationResult } from "../src/http/actors.ts";
import type { UploadState } from "../src/http/read_upload.ts";
import type { ChunkResult } from "../src/http/send_chunk.ts";
import {
  afterChunk,
  afterCreation,
  afterForgetting,
  afterGivingUp,
  afterProbe,
  afterRecall,
  afterRetryScheduled,
  afterServerState,
  clampStopAt,
  forgetsOnSuccess,
  initialContext,
  isChunkConflict,
  isComplete,
  isRefusedChunk,
  isStaleStoredUrl,
  mayRetry,
  needsAnnouncing,
  needsRemembering,
  oneChunkMore,
  retryEventOf,
  shouldPause,
  statsWhileSending,
  tooManyConflicts,
} from "./upload_logic.ts";
import { isChecksumMismatch } from "./retry_policy.ts";
import { abortFailure, conflictFailure } from "./upload_failures.ts";
import type {
  FailedStep,
  UploadContext,
  UploadEvent,
  UploadMachineInput,
  UploadOutput,
} from "./upload_types.ts";

type FailureParams = { error: unknown; step: FailedStep };

/** Params mapper: the error of a failed step, and which step it was. */
function failureIn(step: FailedStep) {
  return ({ event }: { event: { error: unknown } }): FailureParams => ({
    error: event.error,
    step,
  });
}

const preparationFailure = failureIn("prepare");
const creationFailure = failureIn("create");
const openingFailure = failureIn("open");
const sendingFailure = failureIn("send");
const syncFailure = failureIn("sync");

function runOf({ event }: { event: UploadEvent }): RunParams {
  return event.type === "upload.run"
    ? { stopAt: event.stopAt, reportSent: event.reportSent }
    : { stopAt: Infinity };
}

function sentOf({ event }: { event: UploadEvent }): { sentBytes: number } {
  return { sentBytes: event.type === "upload.sent" ? event.sentBytes : 0 };
}

/** What an `upload.run` asks for: where to stop, and whether to count sent bytes. */
export interface RunParams {
  /** Bytes the server should hold when the run stops. */
  readonly stopAt: number;
  /** Count a chunk's bytes as they leave; absent: as before. */
  readonly reportSent?: boolean;
}

function reasonOf({ event }: { event: UploadEvent }): { reason: unknown } {
  return { reason: event.type === "upload.abort" ? event.reason : undefined };
}

/**
 * The upload machine with its full types. Its input is an
 * {@linkcode UploadMachineInput}; an `Uploader` drives it with
 * `upload.run`, `upload.chunk` and `upload.abort`.
 *
 * @example Watching an upload's states
 * ```ts ignore
 * import { createActor } from "xstate";
 * import { uploadMachine } from "@tusflow/client";
 *
 * const actor = createActor(uploadMachine, { input });
 * actor.subscribe((snapshot) => console.log(snapshot.value));
 * actor.start();
 * actor.send({ type: "upload.run", stopAt: Infinity });
 * ```
 */
export const uploadMachineDefinition = setup({
  types: {
    context: {} as UploadContext,
    events: {} as UploadEvent,
    input: {} as UploadMachineInput,
    output: {} as UploadOutput,
  },
  actors: {
    recallUrl,
    probeServer,
    createUpload,
    rememberUrl,
    announceUrl,
    forgetUrl,
    readOffset,
    sendChunk,
  },
  guards: {
    needsRecall: ({ context }) => !context.recallDone,
    needsProbe: ({ context }) => !context.probeDone,
    hasUrl: ({ context }) => context.url !== null,
    needsRemembering: ({ context }) => needsRemembering(context),
    needsAnnouncing: ({ context }) => needsAnnouncing(context),
    isComplete: ({ context }) => isComplete(context),
    forgetsOnSuccess: ({ context }) => forgetsOnSuccess(context),
    shouldPause: ({ context }) => shouldPause(context),
    isOffsetDisputed: ({ context }) => context.offsetDisputed,
    isStaleStoredUrl: ({ context }) => isStaleStoredUrl(context),
    isConflict: ({ context }) => isChunkConflict(context),
    canRetry: ({ context }) => mayRetry(context),
    isRefusedChunk: ({ context }) => isRefusedChunk(context),
    resendsSameBytes: ({ context }) => isChecksumMismatch(context.failure),
    tooManyConflicts: ({ context }) => tooManyConflicts(context),
  },
  actions: {
    storeRecalled: assign((_, params: { output: Recalled }) =>
      afterRecall(params.output)
    ),
    storeNegotiated: assign((_, params: { output: Negotiated }) =>
      afterProbe(params.output)
    ),
    storeCreated: assign(({ context }, params: { output: CreationResult }) =>
      afterCreation(context, params.output)
    ),
    markRemembered: assign({ urlStored: true }),
    markAnnounced: assign({ announced: true }),
    storeServerState: assign(({ context }, params: { output: UploadState }) =>
      afterServerState(context, params.output)
    ),
    storeChunkAnswer: assign(({ context }, params: { output: ChunkResult }) =>
      afterChunk(context, params.output)
    ),
    dropForgottenUrl: assign(({ context }) => afterForgetting(context)),
    markForgotten: assign({ urlStored: false }),
    requestChunk: assign(({ context }) => ({ stopAt: oneChunkMore(context) })),
    requestRun: assign(({ context }, params: RunParams) => ({
      stopAt: clampStopAt(context, params.stopAt),
      reportSent: params.reportSent ?? context.reportSent,
    })),
    storeSentBytes: assign(({ context }, params: { sentBytes: number }) => ({
      stats: statsWhileSending(context, params.sentBytes),
    })),
    storeFailure: assign(({ context }, params: FailureParams) => ({
      failure: params.error,
      failedStep: params.step,
      // Nothing is in flight any more: what counts is what the server holds.
      stats: { ...context.stats, sentBytes: context.stats.uploadedBytes },
    })),
    countConflict: assign(({ context }) => ({
      conflicts: context.conflicts + 1,
    })),
    scheduleRetry: assign(({ context }) => afterRetryScheduled(context)),
    notifyRetry: ({ context }) => context.onRetry?.(retryEventOf(context)),
    giveUp: assign(({ context }) => afterGivingUp(context)),
    storeAbort: assign(({ context }, params: { reason: unknown }) => ({
      error: abortFailure(context, params.reason),
    })),
    storeConflictFailure: assign(({ context }) => ({
      error: conflictFailure(context),
    })),
    clearFailure: assign({
      failure: null,
      failedStep: null,
      error: null,
      attempt: 0,
      conflicts: 0,
    }),
    markFinished: assign(({ context }) => ({
      stats: { ...context.stats, endTime: Date.now() },
    })),
  },
  delays: {
    retryBackoff: ({ context }) => context.retryWaitMs,
  },
}).createMachine({
  id: "upload",
  initial: "starting",
  context: ({ input }) => initialContext(input),
  output: ({ context }) => ({ url: context.url ?? "", stats: context.stats }),
  on: {
    "upload.abort": {
      description:
        "Any state: stop at once; leaving a state cancels its request or wait",
      target: ".failed",
      actions: { type: "storeAbort", params: reasonOf },
    },
  },
  states: {
    starting: {
      description:
        "Prepare what is missing: the stored URL, the server's options; then open a known upload or create one",
      always: [
        { guard: "needsRecall", target: "recalling" },
        { guard: "needsProbe", target: "probing" },
        { guard: "hasUrl", target: "opening" },
        { target: "creating" },
      ],
    },
    recalling: {
      description:
        "Fingerprint the content and look up the URL stored under <fingerprint>::<endpoint>",
      invoke: {
        src: "recallUrl",
        input: recallInput,
        onDone: {
          target: "starting",
          actions: { type: "storeRecalled", params: outputOf<Recalled> },
        },
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: preparationFailure },
        },
      },
    },
    probing: {
      description:
        "OPTIONS, once per client: which checksum to send and whether the POST may carry data",
      invoke: {
        src: "probeServer",
        input: probeInput,
        onDone: {
          target: "starting",
          actions: { type: "storeNegotiated", params: outputOf<Negotiated> },
        },
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: preparationFailure },
        },
      },
    },
    creating: {
      description:
        "POST to the endpoint with Upload-Length (or Upload-Defer-Length) and metadata, and the first chunk when negotiated",
      on: {
        "upload.sent": {
          description:
            "The connection took more of the first chunk: only stats.sentBytes moves",
          actions: { type: "storeSentBytes", params: sentOf },
        },
      },
      invoke: {
        src: "createUpload",
        input: creationInput,
        onDone: {
          target: "urlKnown",
          actions: { type: "storeCreated", params: outputOf<CreationResult> },
        },
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: creationFailure },
        },
      },
    },
    opening: {
      description:
        "HEAD on a given or stored URL: how many bytes the server holds, and the length it knows",
      invoke: {
        src: "readOffset",
        input: offsetInput,
        onDone: {
          target: "urlKnown",
          actions: { type: "storeServerState", params: outputOf<UploadState> },
        },
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: openingFailure },
        },
      },
    },
    urlKnown: {
      description:
        "The upload has a URL: store it and tell onUploadUrlAvailable, before any PATCH",
      always: [
        { guard: "needsRemembering", target: "remembering" },
        { guard: "needsAnnouncing", target: "announcing" },
        { target: "next" },
      ],
    },
    remembering: {
      description:
        "Store the new URL under <fingerprint>::<endpoint>, to resume it from another process",
      invoke: {
        src: "rememberUrl",
        input: storageInput,
        onDone: { target: "urlKnown", actions: "markRemembered" },
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: preparationFailure },
        },
      },
    },
    announcing: {
      description: "Tell onUploadUrlAvailable the URL, once per upload",
      invoke: {
        src: "announceUrl",
        input: announceInput,
        onDone: { target: "urlKnown", actions: "markAnnounced" },
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: preparationFailure },
        },
      },
    },
    forgetting: {
      description:
        "Remove the stored URL: it answered 404/410 (then create anew), or the upload is complete and removeFingerprintOnSuccess asks for it",
      invoke: {
        src: "forgetUrl",
        input: storageInput,
        onDone: [
          {
            guard: "isComplete",
            target: "done",
            actions: "markForgotten",
          },
          { target: "starting", actions: "dropForgottenUrl" },
        ],
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: preparationFailure },
        },
      },
    },
    ready: {
      description:
        "Resting: uploadChunk() asks for one more chunk, upload() for everything up to stopAt",
      on: {
        "upload.chunk": { target: "next", actions: "requestChunk" },
        "upload.run": {
          target: "next",
          actions: { type: "requestRun", params: runOf },
        },
      },
    },
    next: {
      description: "Decide: finished, pause at stopAt, or send the next chunk",
      always: [
        { guard: "forgetsOnSuccess", target: "forgetting" },
        { guard: "isComplete", target: "done" },
        { guard: "shouldPause", target: "ready" },
        { target: "uploading" },
      ],
    },
    uploading: {
      description:
        "PATCH one chunk at the server's offset, with its checksum; the next chunk is read meanwhile",
      on: {
        "upload.sent": {
          description:
            "The connection took more of the chunk: only stats.sentBytes moves",
          actions: { type: "storeSentBytes", params: sentOf },
        },
      },
      invoke: {
        src: "sendChunk",
        input: chunkInput,
        onDone: {
          target: "sent",
          actions: { type: "storeChunkAnswer", params: outputOf<ChunkResult> },
        },
        onError: {
          target: "judging",
          actions: { type: "storeFailure", params: sendingFailure },
        },
      },
    },
    sent: {
      description:
        "An Upload-Offset that went backwards, past the bytes sent, or is missing is a conflict",
      always: [
        { guard: "isOffsetDisputed", target: "conflict" },
        { target: "next" },
      ],
    },
    judging: {
      description:
        "What a failure means: a stale stored URL, a conflict, worth a retry, a refusal to verify, or the end",
      always: [
        { guard: "isStaleStoredUrl", target: "forgetting" },
        { guard: "isConflict", target: "conflict", actions: "countConflict" },
        {
          description:
            "Network error, timeout, 5xx, 423, 429 or 460 within the budget (a POST only when it never reached the server)",
          guard: "canRetry",
          target: "retrying",
          actions: "scheduleRetry",
        },
        { guard: "isRefusedChunk", target: "verifying" },
        { target: "failed", actions: "giveUp" },
      ],
    },
    retrying: {
      description:
        "Wait retryDelay * 2^attempt (or Retry-After, capped at 60 s); onRetry is told first",
      entry: "notifyRetry",
      after: { retryBackoff: "resuming" },
    },
    resuming: {
      description:
        "After the wait: a 460 re-sends the same bytes, a POST that never arrived is sent again, anything else asks the server first",
      always: [
        { guard: "resendsSameBytes", target: "uploading" },
        { guard: "hasUrl", target: "conflict" },
        { target: "creating" },
      ],
    },
    conflict: {
      description:
        "The client's offset is disputed or unknown: ask the server with HEAD, then continue from its offset",
      initial: "head",
      states: {
        head: {
          invoke: {
            src: "readOffset",
            input: offsetInput,
            onDone: {
              target: "seek",
              actions: {
                type: "storeServerState",
                params: outputOf<UploadState>,
              },
            },
            onError: {
              target: "#upload.judging",
              actions: { type: "storeFailure", params: syncFailure },
            },
          },
        },
        seek: {
          description:
            "Continue from the server's offset (done if it holds every byte), unless conflicts keep coming without progress",
          always: [
            {
              guard: "tooManyConflicts",
              target: "#upload.failed",
              actions: "storeConflictFailure",
            },
            { target: "#upload.next" },
          ],
        },
      },
    },
    verifying: {
      description:
        "A 4xx refused the PATCH: one HEAD tells whether another process completed the upload meanwhile",
      invoke: {
        src: "readOffset",
        input: offsetInput,
        onDone: {
          target: "verified",
          actions: { type: "storeServerState", params: outputOf<UploadState> },
        },
        onError: { target: "failed", actions: "giveUp" },
      },
    },
    verified: {
      description:
        "Done if the server holds every byte; else the refusal stands",
      always: [
        { guard: "isComplete", target: "next" },
        { target: "failed", actions: "giveUp" },
      ],
    },
    done: {
      description: "The server holds every byte",
      type: "final",
      entry: "markFinished",
    },
    failed: {
      description:
        "Stopped by an error or an abort; the server keeps what it has. upload() or uploadChunk() starts again with a HEAD",
      on: {
        "upload.abort": {
          description: "Already stopped: the first reason stands",
        },
        "upload.chunk": {
          target: "starting",
          actions: ["clearFailure", "requestChunk"],
        },
        "upload.run": {
          target: "starting",
          actions: ["clearFailure", { type: "requestRun", params: runOf }],
        },
      },
    },
  },
});

/**
 * The upload machine, as published: open it in the Stately visualizer, or
 * drive it with `createActor(uploadMachine, { input })` where `input` is an
 * {@linkcode UploadMachineInput}. It is typed loosely here because JSR needs
 * an explicit type on every export; tusflow itself uses
 * {@linkcode uploadMachineDefinition}, the same object with its full types.
 *
 * @example Listing the machine's states
 * ```ts
 * import { uploadMachine } from "@tusflow/client";
 *
 * console.log(Object.keys(uploadMachine.root.states).includes("uploading")); // true
 * ```
 */
export const uploadMachine: AnyStateMachine = uploadMachineDefinition;
