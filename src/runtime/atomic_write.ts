/**
 * Replacing a file atomically: write a temporary file beside it, flush it,
 * then rename it over the target. Readers see the old content or the new,
 * never a half-written file (rename is atomic within a directory on POSIX
 * and replaces the target on Windows).
 *
 * @module
 */
import type * as Fs from "node:fs/promises";
import type * as Process from "node:process";
import { builtin } from "./builtin.ts";

/**
 * Replaces the content of `path` with `text` in one step.
 *
 * @param path The file to replace; its directory must exist.
 * @param text The new content, written as UTF-8.
 * @returns A promise that resolves once the new file is in place.
 * @throws {Error} naming the path when the write or the rename fails; the
 *   temporary file is removed and the old content stays.
 *
 * @example Writing a JSON file
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/data.json`, "{}");
 * console.log(await Deno.readTextFile(`${dir}/data.json`)); // "{}"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  text: string,
): Promise<void> {
  const { open, rename, unlink } = builtin<typeof Fs>("node:fs/promises");
  const { pid } = builtin<typeof Process>("node:process");
  const tempPath = `${path}.${pid}-${crypto.randomUUID()}.tmp`;
  try {
    const handle = await open(tempPath, "wx");
    try {
      await handle.writeFile(text, "utf8");
      // Flush before the rename, or a crash could leave an empty file
      // under the final name.
      await handle.datasync().catch(() => {});
    } finally {
      await handle.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await unlink(tempPath).catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot write ${path}: ${reason}`, { cause: error });
  }
}
