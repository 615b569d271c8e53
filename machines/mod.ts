/**
 * tusflow's two XState v5 machines and their types, on their own:
 * `@tusflow/client/machines`. The same values as the main entry exports on
 * Deno, Bun and Node; in a browser bundle, import the machines from here
 * (the main entry's browser build leaves them out, so that a page does not
 * load xstate before its first upload).
 *
 * @example The machines' top-level states
 * ```ts
 * import { parallelUploadMachine, uploadMachine } from "@tusflow/client/machines";
 *
 * console.log("uploading" in uploadMachine.root.states); // true
 * console.log("concatenating" in parallelUploadMachine.root.states); // true
 * ```
 *
 * @module
 */
export { uploadMachine } from "./upload.ts";
export { parallelUploadMachine } from "./parallel.ts";
export type {
  ParallelMachineInput,
  PartPlan,
  PartProgress,
} from "./parallel_types.ts";
export type {
  FailedStep,
  RecallPlan,
  RetryEvent,
  RetryListener,
  ShouldRetry,
  StatsData,
  UploadContext,
  UploadEvent,
  UploadMachineInput,
  UploadOutput,
  UrlListener,
} from "./upload_types.ts";
