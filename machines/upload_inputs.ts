/**
 * The inputs the upload machine hands its actors, built from the context.
 *
 * @module
 */
import type {
  ChunkInput,
  CreationInput,
  OffsetInput,
} from "../src/http/actors.ts";
import type {
  AnnounceInput,
  ProbeInput,
  RecallInput,
} from "./upload_actors.ts";
import { tusAdapter } from "../src/http/protocol.ts";
import type { StorageInput } from "./shared_actors.ts";
import {
  creationChunkLength,
  followingChunkLength,
  nextChunkLength,
} from "./upload_logic.ts";
import type { UploadContext } from "./upload_types.ts";

type Args = { context: UploadContext };

/** A broken invariant: a step ran without what its guard promised. */
function missing(what: string): never {
  throw new Error(`Machine invariant broken: ${what}`);
}

/** For `recalling`. */
export function recallInput({ context }: Args): RecallInput {
  return {
    plan: context.recall ?? missing("recalling without a recall plan"),
    endpoint: context.endpoint ?? missing("recalling without an endpoint"),
  };
}

/** For `probing`. */
export function probeInput({ context }: Args): ProbeInput {
  return {
    serverInfo: context.serverInfo ?? missing("probing without a server"),
    checksum: context.checksum,
    wantsDataWithCreation: context.uploadDataDuringCreation,
    protocol: context.protocol ?? tusAdapter,
  };
}

/** For `creating`. */
/** Where the machine hears of bytes handed to the connection. */
interface SentListener {
  send(event: { type: "upload.sent"; sentBytes: number }): void;
}

/** Reports sent bytes to the machine, while someone watches progress. */
function sentReporter(
  context: UploadContext,
  self: SentListener,
): ((sentBytes: number) => void) | undefined {
  return context.reportSent
    ? (sentBytes) => self.send({ type: "upload.sent", sentBytes })
    : undefined;
}

/** For `creating`: the first chunk goes with the POST when negotiated. */
export function creationInput(
  { context, self }: Args & { self: SentListener },
): CreationInput {
  return {
    transport: context.transport,
    protocol: context.protocol ?? tusAdapter,
    source: context.source,
    endpoint: context.endpoint ?? missing("creating without an endpoint"),
    metadata: context.metadata,
    headers: context.creationHeaders,
    firstChunk: creationChunkLength(context),
    onSent: sentReporter(context, self),
  };
}

/** For `remembering` and `forgetting`. */
export function storageInput({ context }: Args): StorageInput {
  return {
    storage: context.recall?.storage ?? missing("storage without a plan"),
    fingerprint: context.storageKey ?? missing("storage without a key"),
    url: context.url ?? "",
  };
}

/** For `announcing`. */
export function announceInput({ context }: Args): AnnounceInput {
  return {
    listener: context.onUploadUrlAvailable ?? missing("announcing to nobody"),
    url: context.url ?? missing("announcing without a URL"),
  };
}

/** For `opening`, `conflict.head` and `verifying`. */
export function offsetInput({ context }: Args): OffsetInput {
  return {
    transport: context.transport,
    protocol: context.protocol ?? tusAdapter,
    url: context.url ?? missing("HEAD without a URL"),
    endpoint: context.endpoint,
    size: context.source.size,
  };
}

/** For `uploading`: the chunk, and where its sent bytes are reported. */
export function chunkInput(
  { context, self }: Args & { self: SentListener },
): ChunkInput {
  return {
    transport: context.transport,
    protocol: context.protocol ?? tusAdapter,
    source: context.source,
    url: context.url ?? missing("PATCH without a URL"),
    offset: context.offset,
    length: nextChunkLength(context),
    nextLength: followingChunkLength(context),
    prefetcher: context.prefetcher,
    checksum: context.checksumAlgorithm,
    streaming: context.chunkSize === Infinity &&
      context.source.stream !== undefined,
    lengthDeferred: context.lengthDeferred,
    onSent: sentReporter(context, self),
  };
}
