/**
 * The browser build's `file.ts`: browsers have no file paths, so opening
 * one is a clear error and no file code is bundled. The npm package's
 * `browser` export condition resolves `file.ts` to this file (see
 * `npm-build.ts`).
 *
 * @module
 */
import type * as File from "./file.ts";

export type { RangeFile } from "./file.ts";

/**
 * Fails: a browser reads a `File` or `Blob`, never a path.
 *
 * @throws {Error} always (as a rejection), naming the path.
 */
export const openRangeFile: typeof File.openRangeFile = (path) =>
  Promise.reject(
    new Error(
      `Cannot open file ${path}: this runtime (a browser?) has no file paths; pass the File or Blob as fileStream instead`,
    ),
  );
