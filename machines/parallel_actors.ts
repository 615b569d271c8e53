/**
 * Actors of the parallel machine that the upload machine does not have:
 * the concatenation probe, the HEAD of a remembered final upload, and the
 * final POST.
 *
 * @module
 */
import { fromPromise } from "xstate";
import { TusCommunicationError } from "../src/errors.ts";
import { createFinalUpload } from "../src/http/concatenate.ts";
import { readUpload, type UploadState } from "../src/http/read_upload.ts";
import type { Transport } from "../src/http/transport.ts";
import type { UrlStorage } from "../src/storage/url_storage.ts";
import {
  negotiate,
  type Negotiated,
  type ProbeInput,
} from "./upload_actors.ts";

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

/**
 * OPTIONS (cached): the server must offer concatenation; the checksum and
 * creation-with-upload are settled once for every part.
 *
 * @throws {TusCommunicationError} naming the missing extension, or the
 * algorithm the server does not list.
 */
export const probeConcatenation = fromPromise<Negotiated, ProbeInput>(
  async ({ input, signal }) => {
    const info = await input.serverInfo.get(signal);
    if (info === null) {
      throw new TusCommunicationError(
        "Cannot upload in parallel: the server's capabilities could not be read (OPTIONS failed)",
      );
    }
    if (!info.extensions.includes("concatenation")) {
      throw new TusCommunicationError(
        `Cannot upload in parallel: the server does not support the concatenation extension (it lists: ${
          info.extensions.join(", ") || "none"
        })`,
      );
    }
    return negotiate(info, input);
  },
);

/** HEAD on a remembered final upload. */
export const openFinal = fromPromise<UploadState, OpenFinalInput>(
  ({ input, signal }) => readUpload(input.transport, input.url, signal),
);

/** POST `Upload-Concat: final;…`. */
export const concatenate = fromPromise<string, FinalInput>(
  ({ input, signal }) =>
    createFinalUpload(input.transport, { ...input, signal }),
);

/** Input of the `forgetKeys` actor. */
export interface ForgetKeysInput {
  readonly storage: UrlStorage;
  readonly keys: readonly string[];
}

/** Removes every key from the URL storage. */
export const forgetKeys = fromPromise<void, ForgetKeysInput>(
  async ({ input }) => {
    for (const key of input.keys) await input.storage.removeUrl(key);
  },
);
