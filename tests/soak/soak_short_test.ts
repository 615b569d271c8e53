/**
 * A short seeded soak against our Hono server: 20 uploads (at most 4 MiB
 * each) through the fault proxy, some in child processes killed with
 * SIGKILL and resumed by a new process. Every upload must end complete and
 * byte-identical, or with a typed error after which a resume without faults
 * does: none lost. A failure names each lost upload's seed, to replay with
 * `soak/run.ts --seed 20261201 --server hono --max-size 4194304 --only <seed> --trace`.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { closingLine, runSoak } from "../../soak/soak.ts";

// Its client processes run soak/worker.ts from source: Deno or Bun only.
const fromSource = typeof (globalThis as { Deno?: unknown }).Deno !==
    "undefined" || process.versions.bun !== undefined;

// The soak stops starting uploads after 30 s; the last ones then settle.
test("short soak against the Hono server loses no upload", {
  timeout: 240_000,
  skip: fromSource ? false : "the soak's client processes need Deno or Bun",
}, async () => {
  const lines: string[] = [];
  const report = await runSoak({
    seed: 20261201,
    server: "hono",
    minutes: 0.5,
    uploads: 20,
    concurrency: 4,
    maxSize: 4 * 1024 * 1024,
    log: (line) => lines.push(line),
  });
  const summary = closingLine(report);
  console.log(summary);
  const lost = report.results.filter((r) => r.outcome === "lost");
  assert.equal(
    report.lost,
    0,
    `${summary}\n${
      lost.map((r) =>
        `seed=${r.seed} ${r.detail} faults=[${r.faults}] ${r.plan}`
      )
        .join("\n")
    }`,
  );
  assert.ok(report.uploads > 0, summary);
  assert.equal(report.uploads, report.results.length);
});
