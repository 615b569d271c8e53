/**
 * The upload lifecycle as an XState v5 machine. Paste it into the Stately
 * visualizer to see what an upload does: every side effect is a named actor,
 * action, guard or delay given to `setup()`.
 *
 * @module
 */
import { type AnyStateMachine, assign, fromPromise, setup } from "xstate";
import {
  errorOf,
  forgetUrl,
  outputOf,
  rememberUrl,
  type StorageInput,
  storageInputOf,
} from "./shared_actors.ts";
import {
  type ChunkInput,
  type CreationInput,
  type CreationResult,
  type OffsetInput,
  runChunk,
  runCreation,
  runOffsetRead,
} from "../src/http/actors.ts";
import type { UploadState } from "../src/http/read_upload.ts";
import type { ChunkResult } from "../src/http/send_chunk.ts";
import {
  abortFailure,
  canRetry,
  clampStopAt,
  conflictFailure,
  followingChunkLength,
  initialContext,
  isAcceptedOffset,
  isComplete,
  isConflictError,
  isGoneError,
  MAX_CONFLICTS,
  nextChunkLength,
  retryWait,
  shouldPause,
  statsAt,
  uploadFailure,
} from "./upload_logic.ts";
import type {
  UploadContext,
  UploadEvent,
  UploadMachineInput,
  UploadOutput,
} from "./upload_types.ts";

type Args = { context: UploadContext };

function creationInput({ context }: Args): CreationInput {
  const first = context.uploadDataDuringCreation &&
      Number.isFinite(context.chunkSize)
    ? Math.min(context.chunkSize, context.size ?? Infinity)
    : 0;
  return {
    transport: context.transport,
    source: context.source,
    endpoint: context.endpoint ?? "",
    metadata: context.metadata,
    headers: context.creationHeaders,
    firstChunk: first,
  };
}

function storageInput({ context }: Args): StorageInput {
  return storageInputOf(context);
}

function offsetInput({ context }: Args): OffsetInput {
  return {
    transport: context.transport,
    url: context.url ?? "",
    size: context.size,
  };
}

function chunkInput({ context }: Args): ChunkInput {
  return {
    transport: context.transport,
    source: context.source,
    url: context.url ?? "",
    offset: context.offset,
    length: nextChunkLength(context),
    nextLength: followingChunkLength(context),
    prefetcher: context.prefetcher,
    streaming: context.chunkSize === Infinity &&
      context.source.stream !== undefined,
    lengthDeferred: context.lengthDeferred,
  };
}

function stopAtOf({ event }: { event: UploadEvent }): { stopAt: number } {
  return { stopAt: event.type === "upload.run" ? event.stopAt : Infinity };
}

function reasonOf({ event }: { event: UploadEvent }): { reason: unknown } {
  return { reason: event.type === "upload.abort" ? event.reason : undefined };
}

const abortTransition = {
  target: "#upload.failed",
  actions: { type: "storeAbort", params: reasonOf },
} as const;

/**
 * The upload machine. Its input is an {@linkcode UploadMachineInput}; an
 * `Uploader` drives it with `upload.run`, `upload.chunk` and `upload.abort`.
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
    createUpload: fromPromise<CreationResult, CreationInput>(
      ({ input, signal }) => runCreation(input, signal),
    ),
    rememberUrl,
    forgetUrl,
    readOffset: fromPromise<UploadState, OffsetInput>(
      ({ input, signal }) => runOffsetRead(input, signal),
    ),
    sendChunk: fromPromise<ChunkResult, ChunkInput>(
      ({ input, signal }) => runChunk(input, signal),
    ),
  },
  guards: {
    hasUrl: ({ context }) => context.url !== null,
    hasUrlStorage: ({ context }) =>
      context.urlStorage !== null && context.fingerprint !== null,
    isStaleStoredUrl: ({ context }, params: { error: unknown }) =>
      isGoneError(params.error) && context.urlStorage !== null &&
      context.fingerprint !== null && context.endpoint !== null,
    isComplete: ({ context }) => isComplete(context),
    shouldPause: ({ context }) => shouldPause(context),
    isAccepted: ({ context }, params: { output: ChunkResult }) =>
      isAcceptedOffset(context, params.output),
    isConflict: (_, params: { error: unknown }) =>
      isConflictError(params.error),
    canRetry: ({ context }, params: { error: unknown }) =>
      canRetry(context, params.error),
    tooManyConflicts: ({ context }) => context.conflicts >= MAX_CONFLICTS,
  },
  actions: {
    requestStep: assign(({ context }) => ({
      mode: "step" as const,
      stopAt: clampStopAt(context),
    })),
    requestRun: assign(({ context }, params: { stopAt: number }) => ({
      mode: "run" as const,
      stopAt: clampStopAt(context, params.stopAt),
    })),
    becomeIdle: assign({ mode: "idle" as const }),
    storeCreated: assign(({ context }, params: { output: CreationResult }) => {
      const { url, offset, length, sent } = params.output;
      return {
        url,
        offset,
        size: length ?? context.size,
        lengthDeferred: length === null,
        stats: {
          ...statsAt(context.stats, offset),
          totalBytes: length ?? context.stats.totalBytes,
          chunksCompleted: context.stats.chunksCompleted + (sent > 0 ? 1 : 0),
        },
      };
    }),
    dropUrl: assign({ url: null }),
    storeOpened: assign(({ context }, params: { output: UploadState }) => ({
      offset: params.output.offset,
      lengthDeferred: params.output.length === null,
      stats: {
        ...statsAt(context.stats, params.output.offset),
        startOffset: context.stats.chunksCompleted === 0
          ? params.output.offset
          : context.stats.startOffset,
      },
    })),
    storeServerOffset: assign(
      ({ context }, params: { output: UploadState }) => ({
        offset: params.output.offset,
        conflicts: params.output.offset > context.offset
          ? 0
          : context.conflicts,
        stats: statsAt(context.stats, params.output.offset),
      }),
    ),
    storeChunkResult: assign(
      ({ context }, params: { output: ChunkResult }) => {
        const offset = params.output.serverOffset ?? context.offset;
        const declared = params.output.declaredLength;
        return {
          offset,
          size: declared ?? context.size,
          lengthDeferred: declared === null && context.lengthDeferred,
          attempt: 0,
          conflicts: 0,
          mode: context.mode === "step" ? "idle" as const : context.mode,
          stats: {
            ...statsAt(context.stats, offset),
            totalBytes: declared ?? context.stats.totalBytes,
            chunksCompleted: context.stats.chunksCompleted + 1,
          },
        };
      },
    ),
    countConflict: assign(({ context }) => ({
      conflicts: context.conflicts + 1,
    })),
    scheduleRetry: assign(({ context }, params: { error: unknown }) => ({
      attempt: context.attempt + 1,
      retryWaitMs: retryWait(context.retryDelay, context.attempt, params.error),
      stats: {
        ...context.stats,
        chunksRetried: context.stats.chunksRetried + 1,
      },
    })),
    countFailedChunk: assign(({ context }) => ({
      attempt: 0,
      stats: { ...context.stats, chunksFailed: context.stats.chunksFailed + 1 },
    })),
    storeFailure: assign((_, params: { error: unknown }) => ({
      error: uploadFailure(params.error, false),
    })),
    storeSendFailure: assign((_, params: { error: unknown }) => ({
      error: uploadFailure(params.error, true),
    })),
    storeAbort: assign(({ context }, params: { reason: unknown }) => ({
      error: abortFailure(context, params.reason),
    })),
    storeConflictFailure: assign(({ context }) => ({
      error: conflictFailure(context),
    })),
    clearFailure: assign({ error: null }),
    markFinished: assign(({ context }) => ({
      mode: "idle" as const,
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
  states: {
    starting: {
      description: "Resume an existing upload by its URL, or create a new one",
      always: [{ guard: "hasUrl", target: "opening" }, { target: "creating" }],
    },
    creating: {
      description:
        "POST to the endpoint with Upload-Length and metadata; the answer's Location is the upload URL",
      invoke: {
        src: "createUpload",
        input: creationInput,
        onDone: [
          {
            guard: "hasUrlStorage",
            target: "remembering",
            actions: { type: "storeCreated", params: outputOf<CreationResult> },
          },
          {
            target: "next",
            actions: { type: "storeCreated", params: outputOf<CreationResult> },
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
      description:
        "Store the new upload URL under the content's fingerprint, to resume it from another process",
      invoke: {
        src: "rememberUrl",
        input: storageInput,
        onDone: { target: "next" },
        onError: {
          target: "failed",
          actions: { type: "storeFailure", params: errorOf },
        },
      },
    },
    forgetting: {
      description:
        "The stored URL answered 404 or 410: forget it, then create a new upload",
      invoke: {
        src: "forgetUrl",
        input: storageInput,
        onDone: { target: "creating", actions: "dropUrl" },
        onError: {
          target: "failed",
          actions: { type: "storeFailure", params: errorOf },
        },
      },
    },
    opening: {
      description:
        "HEAD on the upload URL: read how many bytes the server already holds",
      invoke: {
        src: "readOffset",
        input: offsetInput,
        onDone: {
          target: "next",
          actions: { type: "storeOpened", params: outputOf<UploadState> },
        },
        onError: [
          {
            guard: { type: "isStaleStoredUrl", params: errorOf },
            target: "forgetting",
          },
          {
            target: "failed",
            actions: { type: "storeFailure", params: errorOf },
          },
        ],
      },
      on: { "upload.abort": abortTransition },
    },
    ready: {
      description:
        "Resting: uploadChunk() asks for one chunk, upload() for all up to stopAt",
      on: {
        "upload.chunk": { target: "next", actions: "requestStep" },
        "upload.run": {
          target: "next",
          actions: { type: "requestRun", params: stopAtOf },
        },
      },
    },
    next: {
      description: "Decide: finished, pause here, or send the next chunk",
      always: [
        { guard: "isComplete", target: "done" },
        { guard: "shouldPause", target: "ready", actions: "becomeIdle" },
        { target: "uploading" },
      ],
    },
    uploading: {
      description:
        "Read one chunk at the current offset and PATCH it with its checksum",
      invoke: {
        src: "sendChunk",
        input: chunkInput,
        onDone: [
          {
            guard: { type: "isAccepted", params: outputOf<ChunkResult> },
            target: "next",
            actions: {
              type: "storeChunkResult",
              params: outputOf<ChunkResult>,
            },
          },
          {
            description:
              "Upload-Offset went backwards, past the bytes sent, or is missing",
            target: "conflict",
            actions: "countConflict",
          },
        ],
        onError: [
          {
            guard: { type: "isConflict", params: errorOf },
            target: "conflict",
            actions: "countConflict",
          },
          {
            description: "Network error, timeout, 5xx, 423, 429 or 460",
            guard: { type: "canRetry", params: errorOf },
            target: "retrying",
            actions: { type: "scheduleRetry", params: errorOf },
          },
          {
            target: "failed",
            actions: [
              "countFailedChunk",
              { type: "storeSendFailure", params: errorOf },
            ],
          },
        ],
      },
      on: { "upload.abort": abortTransition },
    },
    retrying: {
      description:
        "Wait retryDelay * 2^attempt (or Retry-After), then resend the chunk; an abort cuts the wait short",
      after: { retryBackoff: "uploading" },
      on: { "upload.abort": abortTransition },
    },
    conflict: {
      description:
        "The server disagrees about the offset: ask it with HEAD, then move the read position there",
      initial: "head",
      states: {
        head: {
          invoke: {
            src: "readOffset",
            input: offsetInput,
            onDone: {
              target: "seek",
              actions: {
                type: "storeServerOffset",
                params: outputOf<UploadState>,
              },
            },
            onError: {
              target: "#upload.failed",
              actions: { type: "storeFailure", params: errorOf },
            },
          },
        },
        seek: {
          description:
            "Continue from the server's offset, unless conflicts keep coming without progress",
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
      on: { "upload.abort": abortTransition },
    },
    done: {
      description: "The server holds every byte",
      type: "final",
      entry: "markFinished",
    },
    failed: {
      description:
        "Stopped by an error or an abort; the server keeps what it has. upload() or uploadChunk() starts again from the server's offset",
      on: {
        "upload.chunk": {
          target: "starting",
          actions: ["clearFailure", "requestStep"],
        },
        "upload.run": {
          target: "starting",
          actions: ["clearFailure", { type: "requestRun", params: stopAtOf }],
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
