/**
 * A child process for the FileUrlStorage tests, run by `deno run -A` or
 * `bun`:
 *
 * - `write <storage> <worker> <count> <barrierDir>`: announces itself with
 *   `<barrierDir>/ready-<worker>`, waits for `<barrierDir>/go` so that every
 *   worker starts at once, then stores `<count>` distinct URLs.
 * - `hold <storage> <markerPath>`: takes the storage's lock, writes
 *   `<markerPath>`, and keeps the lock until killed.
 *
 * @module
 */
import { access, writeFile } from "node:fs/promises";
import process from "node:process";
import { withFileLock } from "../../src/runtime/file_lock.ts";
import { FileUrlStorage } from "../../src/storage/file_url_storage.ts";

const [mode, storagePath, ...rest] = process.argv.slice(2);

async function exists(path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false);
}

async function write(worker: string, count: number, barrierDir: string) {
  await writeFile(`${barrierDir}/ready-${worker}`, "");
  const deadline = Date.now() + 30_000;
  while (!(await exists(`${barrierDir}/go`))) {
    if (Date.now() > deadline) throw new Error("Cannot start: no go signal");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const storage = new FileUrlStorage(storagePath!);
  for (let i = 0; i < count; i++) {
    await storage.setUrl(
      `size:${i}--worker:${worker}`,
      `https://tus.example/files/${worker}-${i}`,
    );
  }
}

async function hold(markerPath: string) {
  await withFileLock(`${storagePath}.lock`, async () => {
    await writeFile(markerPath, String(process.pid));
    await new Promise(() => setInterval(() => {}, 1000));
  });
}

try {
  if (mode === "write") await write(rest[0]!, Number(rest[1]), rest[2]!);
  else if (mode === "hold") await hold(rest[0]!);
  else throw new Error(`Cannot run fixture: unknown mode ${mode}`);
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
