/**
 * The browser build's `machine_values.ts`: no values, so that the main
 * entry's browser build does not load xstate and the machines before the
 * first upload (an `Uploader` loads them when it opens). In a browser
 * bundle, import `uploadMachine` and `parallelUploadMachine` from
 * `@tusflow/client/machines`.
 *
 * @module
 */
export {};
