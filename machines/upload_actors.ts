/**
 * The upload machine's actors: each step of the lifecycle that waits on
 * something (a fingerprint, the URL storage, the server, the user's
 * callback). Each takes everything through its input and stops its work
 * when the machine leaves the state (the actor's `signal`).
 *
 * @module
 */
import { fromPromise } from "xstate";
import { TusCommunicationError } from "../src/errors.ts";
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
import { type ProtocolAdapter, tusAdapter } from "../src/http/protocol.ts";
import type { ServerInfoCache } from "../src/http/server_info_cache.ts";
import type { ServerInfo } from "../src/http/server_options.ts";
import {
  type ChecksumAlgorithm,
  type ChecksumChoice,
  negotiateChecksum,
} from "../src/protocol/checksum.ts";
import { storageKey } from "../src/storage/storage_key.ts";
import type { RecallPlan, UrlListener } from "./upload_types.ts";

/** Input of the `recallUrl` actor. */
export interface RecallInput {
  readonly plan: RecallPlan;
  /** The endpoint, part of the storage key. */
  readonly endpoint: string;
}

/** The storage key and the URL stored under it, if any. */
export interface Recalled {
  readonly key: string;
  readonly url: string | null;
}

/** Fingerprints the content (unless the key is given), then looks it up. */
export const recallUrl = fromPromise<Recalled, RecallInput>(
  async ({ input, signal }) => {
    const { plan } = input;
    const key = plan.key ?? storageKey(
      await plan.fingerprinter.getFingerprint(plan.content, { signal }),
      input.endpoint,
    );
    return { key, url: await plan.storage.getUrl(key) };
  },
);

/** Input of the `probeServer` actor. */
export interface ProbeInput {
  readonly serverInfo: ServerInfoCache;
  readonly checksum: ChecksumChoice;
  /** The POST should carry the first chunk if the server allows. */
  readonly wantsDataWithCreation: boolean;
  /** The protocol spoken: it decides whether the POST may carry data. */
  readonly protocol?: ProtocolAdapter;
}

/** What the server's OPTIONS answer decided. */
export interface Negotiated {
  readonly checksum: ChecksumAlgorithm | null;
  readonly withData: boolean;
}

/**
 * Asks the server's capabilities (once per client, cached) and settles the
 * checksum algorithm and creation-with-upload from them.
 *
 * @throws {TusCommunicationError} when the server lists the checksum
 * extension without the algorithm the user named.
 */
export const probeServer = fromPromise<Negotiated, ProbeInput>(
  async ({ input, signal }) =>
    negotiate(await input.serverInfo.get(signal), input),
);

/**
 * The checksum and creation-with-upload, decided from the server's answer
 * (`null` when OPTIONS failed).
 *
 * @throws {TusCommunicationError} when the server lists the checksum
 * extension without the algorithm the user named.
 */
export function negotiate(
  info: ServerInfo | null,
  input: Pick<ProbeInput, "checksum" | "wantsDataWithCreation" | "protocol">,
): Negotiated {
  let checksum: ChecksumAlgorithm | null;
  try {
    checksum = negotiateChecksum(input.checksum, info);
  } catch (error) {
    throw new TusCommunicationError((error as Error).message);
  }
  const protocol = input.protocol ?? tusAdapter;
  const withData = protocol.dataWithCreation(info, input.wantsDataWithCreation);
  return { checksum, withData };
}

/** Input of the `announceUrl` actor. */
export interface AnnounceInput {
  readonly listener: UrlListener;
  readonly url: string;
}

/** Tells `onUploadUrlAvailable` the URL, waiting for it when it returns a promise. */
export const announceUrl = fromPromise<void, AnnounceInput>(
  async ({ input }) => {
    await input.listener(input.url);
  },
);

/** POST the upload, with its first chunk when negotiated. */
export const createUpload = fromPromise<CreationResult, CreationInput>(
  ({ input, signal }) => runCreation(input, signal),
);

/** HEAD the upload. */
export const readOffset = fromPromise<UploadState, OffsetInput>(
  ({ input, signal }) => runOffsetRead(input, signal),
);

/** PATCH one chunk. */
export const sendChunk = fromPromise<ChunkResult, ChunkInput>(
  ({ input, signal }) => runChunk(input, signal),
);
