/**
 * Pieces both machines use: the URL-storage actors and the mappers that
 * hand an actor's output or error to a named action or guard.
 *
 * @module
 */
import { fromPromise } from "xstate";
import type { UrlStorage } from "../src/storage/url_storage.ts";

/** Input of the URL-storage actors. */
export interface StorageInput {
  /** Where URLs are remembered. */
  readonly storage: UrlStorage;
  /** The key. */
  readonly fingerprint: string;
  /** The URL to remember. */
  readonly url: string;
}

/** Stores the URL under the key. */
export const rememberUrl = fromPromise<void, StorageInput>(
  ({ input }) => input.storage.setUrl(input.fingerprint, input.url),
);

/** Removes the URL stored under the key. */
export const forgetUrl = fromPromise<void, StorageInput>(
  ({ input }) => input.storage.removeUrl(input.fingerprint),
);

/** Params mapper: a done event's output. */
export function outputOf<T>({ event }: { event: { output: T } }): {
  output: T;
} {
  return { output: event.output };
}

/** Params mapper: an error event's error. */
export function errorOf({ event }: { event: { error: unknown } }): {
  error: unknown;
} {
  return { error: event.error };
}
