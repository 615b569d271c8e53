/**
 * The version the command-line tool reports.
 *
 * @module
 */

/**
 * The tusflow version, as in `deno.json`. It is a constant because the npm
 * bundle cannot read `deno.json`; a test keeps the two equal.
 *
 * @example Printing the version
 * ```ts
 * import { VERSION } from "@tusflow/client/cli";
 *
 * console.log(/^\d+\.\d+\.\d+/.test(VERSION)); // true
 * ```
 */
export const VERSION = "0.1.0";
