/**
 * Checks the `{ filePath, fileStream }` pair every upload method takes.
 *
 * @module
 */

/**
 * Exactly one of `filePath` and `fileStream` must be given.
 *
 * @throws {TypeError} when neither or both are given, or `filePath` is not
 * a non-empty string.
 */
export function checkSource(
  source: { filePath?: unknown; fileStream?: unknown },
): void {
  const hasPath = source.filePath !== undefined;
  const hasStream = source.fileStream !== undefined;
  if (hasPath === hasStream) {
    throw new TypeError(
      "Cannot upload: give exactly one of filePath and fileStream",
    );
  }
  if (
    hasPath && (typeof source.filePath !== "string" || source.filePath === "")
  ) {
    throw new TypeError("Cannot upload: filePath must be a non-empty string");
  }
}
