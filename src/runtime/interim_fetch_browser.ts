/**
 * The browser build's `interim_fetch.ts`: a browser has no `node:http`, and
 * its `fetch` hides interim (1xx) responses, so there is no interim-aware
 * request function and none of the `node:http` code is bundled. The npm
 * package's `browser` export condition resolves `interim_fetch.ts` to this
 * file (see `npm-build.ts`).
 *
 * @module
 */
import type * as Interim from "./interim_fetch.ts";

export type { InterimFetch, InterimResponse } from "./interim_fetch.ts";

/**
 * No interim-aware request function in a browser: the draft's creations
 * are careful there (an empty POST, then appends).
 *
 * @returns `null`, always.
 * @example
 * ```ts
 * import { interimFetch } from "./interim_fetch_browser.ts";
 * console.log(interimFetch()); // null
 * ```
 */
export const interimFetch: typeof Interim.interimFetch = () => null;
