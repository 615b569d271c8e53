/**
 * The demo: starts the Hono tus server on loopback, uploads a generated
 * file with progress shown, interrupts it halfway, and resumes it.
 *
 * Run with `npm run demo` (or `deno run -A src/cli/demo.ts`).
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TusClient, TusUploadFailed, type UploadStats } from "../../mod.ts";
import { startTusServer } from "../testing/mod.ts";

const SIZE = 8 * 1024 * 1024;

function bar(stats: UploadStats): string {
  const width = 30;
  const filled = Math.round(((stats.progressPercent ?? 0) / 100) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${
    (stats.progressPercent ?? 0).toFixed(1).padStart(5)
  }%  ${stats.uploadSpeedMbps.toFixed(1)} MiB/s`;
}

async function main(): Promise<number> {
  // No fault injection here, so no loopback relay on Deno (it halves throughput).
  await using server = await startTusServer({ cutConnections: false });
  const dir = await mkdtemp(join(tmpdir(), "tusflow-demo-"));
  try {
    const path = join(dir, "demo.bin");
    const bytes = crypto.getRandomValues(new Uint8Array(65536));
    const content = new Uint8Array(SIZE);
    for (let i = 0; i < SIZE; i += bytes.length) content.set(bytes, i);
    await writeFile(path, content);
    console.log(
      `tus server on ${server.url}; uploading ${SIZE} bytes from ${path}`,
    );

    const client = new TusClient(server.url, { chunkSize: 512 * 1024 });
    const interrupt = new AbortController();
    const url = await (async () => {
      await using uploader = await client.createUploader({ filePath: path });
      try {
        await uploader.upload({
          onProgress(stats) {
            console.log(`  ${bar(stats)}`);
            if ((stats.progressPercent ?? 0) >= 50) {
              interrupt.abort(new Error("demo interruption"));
            }
          },
          signal: interrupt.signal,
        });
      } catch (error) {
        if (!(error instanceof TusUploadFailed)) throw error;
        console.log(`interrupted: ${error.message}`);
      }
      return uploader.url ?? "";
    })();
    const info = await client.getUploadInfo(url);
    console.log(
      `server holds ${info.offset} of ${info.length} bytes; resuming ${url}`,
    );
    await client.resumeUpload({
      filePath: path,
      uploadUrl: url,
      onProgress: (stats) => console.log(`  ${bar(stats)}`),
    });
    const stored = server.bytesOf(url);
    const same = stored !== null && stored.length === content.length &&
      stored.every((byte, i) => byte === content[i]);
    console.log(
      same ? "done: the server holds exactly the bytes sent" : "MISMATCH",
    );
    return same ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const code = await main();
  if (code !== 0) throw new Error(`demo failed with code ${code}`);
}
