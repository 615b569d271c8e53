/**
 * Peak memory of one upload of a large file, to run under
 * `/usr/bin/time -v` (read "Maximum resident set size"). The server runs in
 * another process and keeps no bytes, so the figure is the client's.
 *
 * Run: `/usr/bin/time -v deno run -A bench/memory.ts <path|blob|stream> <file> [chunkMiB=1]`
 * (or with `bun` instead of `deno run -A`).
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import process from "node:process";
import { TusClient, type UploadInput } from "../mod.ts";
import { startBenchServer } from "./_server.ts";

const [kind = "path", file = "", chunkMiB = "1"] = process.argv.slice(2);
const runtime = globalThis as { Bun?: { file(path: string): Blob } };

async function blobOf(path: string): Promise<Blob> {
  if (runtime.Bun) return runtime.Bun.file(path);
  const { openAsBlob } = await import("node:fs");
  return await openAsBlob(path);
}

await using server = await startBenchServer();
const client = new TusClient(server.url, {
  chunkSize: Number(chunkMiB) * 1024 * 1024,
});
const source: { filePath?: string; fileStream?: UploadInput } = kind === "path"
  ? { filePath: file }
  : kind === "blob"
  ? { fileStream: await blobOf(file) }
  : {
    fileStream: Readable.toWeb(createReadStream(file)) as ReadableStream<
      Uint8Array
    >,
  };
const idleRss = process.memoryUsage().rss;
let peakRss = idleRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);
const start = performance.now();
await client.uploadFile(source);
clearInterval(sampler);
const seconds = (performance.now() - start) / 1000;
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
console.log(
  `${kind}, ${chunkMiB} MiB chunks: ${seconds.toFixed(1)} s, client RSS ${
    mib(idleRss)
  } MiB before, peak ${mib(peakRss)} MiB (sampled every 10 ms)`,
);
