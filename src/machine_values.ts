/**
 * The two machines as values, for the main entry: `mod.ts` re-exports all
 * of this module. The browser build of the main entry swaps it for
 * `machine_values_browser.ts`, which exports nothing: a value exported by
 * the entry loads with it, and these two would bring xstate and both
 * machines into a page's first chunk. There, they come from
 * `@tusflow/client/machines`.
 *
 * @module
 */
export { parallelUploadMachine, uploadMachine } from "../machines/mod.ts";
