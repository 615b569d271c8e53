/**
 * Upload URLs: a `Location` resolved against the endpoint, and the rule
 * that no upload URL may leave `https:` for `http:`.
 *
 * @module
 */
import { TusCommunicationError } from "../errors.ts";
import { withoutQuery } from "./transport.ts";

/**
 * Refuses an upload URL that downgrades `base` (the endpoint, or the URL a
 * `Location` came from) from `https:` to `http:`: the bytes and headers
 * would travel in clear text.
 *
 * @throws {TusCommunicationError} saying so, before any request goes there.
 */
export function assertNoDowngrade(url: string, base: string | null): void {
  if (base === null) return;
  if (
    new URL(base).protocol === "https:" && new URL(url).protocol === "http:"
  ) {
    throw new TusCommunicationError(
      `Cannot use upload URL ${
        withoutQuery(url)
      }: it moves from https: to http:, which would send the upload in clear text`,
    );
  }
}

/**
 * The absolute upload URL a `Location` header names, resolved against the
 * URL of the request that answered it.
 *
 * @throws {TusCommunicationError} when it downgrades `https:` to `http:`.
 */
export function resolveLocation(location: string, requestUrl: string): string {
  const url = new URL(location, requestUrl).href;
  assertNoDowngrade(url, requestUrl);
  return url;
}
