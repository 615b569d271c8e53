/**
 * Throughput: tusflow against raw `fetch` of the same runtime (the
 * baseline) and tus-js-client, uploading the same bytes to the same
 * discarding server in another process. Reports MiB/s and the ratio to the
 * baseline measured in the same run, alternating rounds so drift hits all.
 *
 * Run: `deno run -A bench/throughput.ts [MiB=256] [rounds=3]`
 * (or `bun bench/throughput.ts`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import { TusClient } from "../mod.ts";
import { startBenchServer } from "./_server.ts";

const MIB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 256);
const rounds = Number(process.argv[3] ?? 3);
const data = new Uint8Array(sizeMiB * MIB);
for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;

await using server = await startBenchServer();

async function create(): Promise<string> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(data.length) },
  });
  await response.body?.cancel();
  return new URL(response.headers.get("Location") ?? "", server.url).href;
}

/** The baseline: the same PATCHes with plain fetch, no checksum. */
async function rawFetch(chunk: number): Promise<void> {
  const url = await create();
  for (let offset = 0; offset < data.length; offset += chunk) {
    const response = await fetch(url, {
      method: "PATCH",
      headers: {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": String(offset),
        "Content-Type": "application/offset+octet-stream",
      },
      body: data.subarray(offset, offset + chunk),
      redirect: "error",
    });
    await response.body?.cancel();
    if (response.status !== 204) throw new Error(`PATCH ${response.status}`);
  }
}

async function tusflow(chunkSize: number, checksum: boolean): Promise<void> {
  const client = new TusClient(server.url, { chunkSize, checksum });
  await client.uploadFile({ fileStream: data });
}

async function tusJsClient(chunkSize: number): Promise<void> {
  const tus = await import("tus-js-client");
  await new Promise<void>((resolve, reject) => {
    const upload = new tus.Upload(Buffer.from(data.buffer), {
      endpoint: server.url,
      chunkSize,
      onSuccess: () => resolve(),
      onError: reject,
    });
    upload.start();
  });
}

const cases: Record<string, () => Promise<void>> = {
  "raw fetch, 1 MiB PATCHes (baseline)": () => rawFetch(MIB),
  "tusflow, 1 MiB chunks, no checksum": () => tusflow(MIB, false),
  "tusflow, 1 MiB chunks, sha1 (default)": () => tusflow(MIB, true),
  "tus-js-client, 1 MiB chunks": () => tusJsClient(MIB),
  "raw fetch, 8 MiB PATCHes": () => rawFetch(8 * MIB),
  "tusflow, 8 MiB chunks, sha1": () => tusflow(8 * MIB, true),
  "tusflow, chunkSize Infinity (one streamed PATCH)": () =>
    tusflow(Infinity, true),
};

const best: Record<string, number> = {};
await rawFetch(MIB); // warm-up: connections, JIT
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const start = performance.now();
    await run();
    const mibs = sizeMiB / ((performance.now() - start) / 1000);
    best[name] = Math.max(best[name] ?? 0, mibs);
  }
}
const baseline = best["raw fetch, 1 MiB PATCHes (baseline)"] ?? 1;
const runtime = "Deno" in globalThis
  ? `deno ${
    (globalThis as { Deno?: { version: { deno: string } } }).Deno?.version.deno
  }`
  : "Bun" in globalThis
  ? `bun ${(globalThis as { Bun?: { version: string } }).Bun?.version}`
  : `node ${process.version}`;
console.log(`${runtime}: ${sizeMiB} MiB, best of ${rounds} rounds`);
for (const [name, mibs] of Object.entries(best)) {
  console.log(
    `${name.padEnd(50)} ${mibs.toFixed(0).padStart(6)} MiB/s  ${
      (mibs / baseline).toFixed(2)
    }x`,
  );
}
