/**
 * The benchmark, in one command:
 * `node_modules/.bin/deno run -A bench/run.ts [--quick] [--runs N] [--no-huge]`
 * (`npm run bench`).
 *
 * It builds `npm/`, starts the discarding server (`bench/serve.ts`, on Bun)
 * and @tus/server 2.4.5 with its FileStore (on Node), each in its own
 * process, then runs every case of `_matrix.ts` in a fresh process per run
 * (`bench/case.ts`): tusflow on Deno, Bun and Node (the npm build), raw
 * fetch of each runtime and tus-js-client (Node). Runs alternate within a
 * group; each figure is the median of the runs. After each run the server
 * says whether the upload is complete and how many requests it got. The
 * report (tables, targets met or missed) is printed and written to
 * `bench/results.md` (`--quick`: `bench/results/quick.md`; `--out PATH`).
 *
 * Options: `--quick` (small sizes, 1 run), `--runs N` (default 3),
 * `--no-huge` (skip the 16 GiB stream), `--no-build` (use `npm/` as it is),
 * `--only TEXT` (only cases whose id contains TEXT), `--out PATH`,
 * `--note TEXT` (a line for the report, e.g. on the machine's load).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { TusNodeServer } from "../tests/interop/_tus_node_server.ts";
import type { CaseResult, CaseSpec } from "./case.ts";
import {
  type BenchCase,
  benchGroups,
  FULL,
  MIB,
  QUICK,
  sizeLabel,
  type Sizes,
} from "./_matrix.ts";
import { renderReport, type RunRecord, summarize } from "./_report.ts";
import {
  removeBundles,
  ROOT,
  type Runtime,
  runtimeVersions,
  scriptCommand,
  tusflowModule,
} from "./_runtimes.ts";
import { type BenchServer, startBenchServer } from "./_server.ts";

const CASE = join(ROOT, "bench", "case.ts");
const STDERR_TAIL = 600;

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    "no-huge": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
    note: { type: "string" },
  },
});
const quick = flags.quick!;
const runs = Number(flags.runs ?? (quick ? 1 : 3));
if (!Number.isInteger(runs) || runs < 1) {
  throw new RangeError("Cannot run the benchmark: --runs must be 1 or more");
}
const out = flags.out ??
  join(ROOT, "bench", quick ? "results/quick.md" : "results.md");

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

/** Runs one case in a fresh process; resolves to what it printed. */
async function runCase(
  benchCase: BenchCase,
  spec: CaseSpec,
): Promise<{ result: CaseResult | null; failure: string | null }> {
  const [command, ...args] = await scriptCommand(benchCase.runtime, CASE);
  return await new Promise((resolve) => {
    const child = spawn(command!, [...args, JSON.stringify(spec)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // A failed spawn also ends in "close", which reports it.
    child.on("error", (error) => (stderr += `\n${error.message}`));
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => {
      stderr = (stderr + String(d)).slice(-STDERR_TAIL * 4);
    });
    // Generous: a busy machine at 30 MB/s, plus start-up.
    const limitMs = 60_000 + (spec.size * spec.count) / 30e3;
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("CASE_RESULT "));
      const tail = stderr.trim().slice(-STDERR_TAIL);
      if (!line) {
        return resolve({
          result: null,
          failure: `exited ${signal ?? code}${
            signal === "SIGKILL" ? ` after ${limitMs / 1000} s` : ""
          }${tail ? `: ${tail}` : ""}`,
        });
      }
      const result = JSON.parse(line.slice(12)) as CaseResult;
      resolve({
        result,
        failure: result.ok
          ? null
          : `${result.errors} upload(s) failed: ${result.error}`,
      });
    });
  });
}

/** Checks with HEAD that @tus/server holds every byte of each upload. */
async function verifyTusNode(urls: string[]): Promise<string | null> {
  for (const url of urls) {
    const response = await fetch(url, {
      method: "HEAD",
      headers: { "Tus-Resumable": "1.0.0" },
    });
    await response.body?.cancel();
    const offset = response.headers.get("Upload-Offset");
    const length = response.headers.get("Upload-Length");
    if (response.status !== 200 || offset === null || offset !== length) {
      return `incomplete on @tus/server: HEAD ${response.status}, offset ${offset} of ${length}`;
    }
  }
  return null;
}

/** Empties the FileStore directory, so the disk does not fill up. */
async function clearStore(directory: string): Promise<void> {
  // A server that died took its directory with it.
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    await rm(join(directory, name), { force: true, recursive: true });
  }
}

async function machine(): Promise<string> {
  const info = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const model = info.match(/^model name\s*:\s*(.*)$/m)?.[1] ??
    cpus()[0]?.model ?? "unknown";
  return `${cpus().length} CPUs (nproc), ${model}, ${
    (totalmem() / 1024 ** 3).toFixed(1)
  } GiB memory`;
}

async function packageVersion(name: string): Promise<string> {
  const file = join(ROOT, "node_modules", name, "package.json");
  return JSON.parse(await readFile(file, "utf8")).version;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(", ");
const startedAt = performance.now();
const loadAtStart = load();
let maxLoad = loadavg()[0]!;
let versions: Record<Runtime, string> | undefined;
let packages: Record<string, string> | undefined;

let servers: { discard: BenchServer; tusNode: TusNodeServer };

/** Runs a case once, then checks on the server that it is complete. */
async function measure(benchCase: BenchCase): Promise<RunRecord> {
  if (benchCase.peer === "tus-node" && !servers.tusNode.alive) {
    console.log("@tus/server died; starting a new one");
    await servers.tusNode.close();
    servers.tusNode = await TusNodeServer.start();
  }
  const spec: CaseSpec = {
    ...benchCase.spec,
    endpoint: benchCase.peer === "discard"
      ? servers.discard.url
      : servers.tusNode.endpoint,
    module: tusflowModule(benchCase.runtime),
  };
  const { result, failure: caseFailure } = await runCase(benchCase, spec);
  let failure = caseFailure;
  if (benchCase.peer === "tus-node") {
    if (!failure && result) {
      failure = await verifyTusNode(result.urls).catch((error) =>
        `cannot verify on @tus/server: ${error.message}`
      );
    }
    await clearStore(servers.tusNode.directory);
    return { result, failure, requests: null, checksummed: null };
  }
  const report = await servers.discard.report().catch(async (error) => {
    console.log(`discarding server: ${error.message}; restarting`);
    await Promise.resolve(servers.discard[Symbol.asyncDispose]()).catch(
      () => {},
    );
    servers.discard = await startBenchServer("bun");
    return null;
  });
  const expected = spec.size * spec.count;
  if (!failure && !report) failure = "no report from the server";
  if (!failure && report && report.complete !== spec.count) {
    failure = `${
      spec.count - report.complete
    } upload(s) incomplete on the server`;
  } else if (!failure && report && report.storedBytes !== expected) {
    failure = `server holds ${report.storedBytes} of ${expected} bytes`;
  }
  return {
    result,
    failure,
    requests: report?.requests ?? null,
    checksummed: report?.checksummed ?? null,
  };
}

/** One small upload per runtime and client, to warm the caches. */
function warmUps(cases: BenchCase[]): BenchCase[] {
  const seen = new Map<string, BenchCase>();
  for (const c of cases) {
    const key = `${c.runtime} ${c.spec.client}`;
    if (seen.has(key)) continue;
    seen.set(key, {
      ...c,
      peer: "discard",
      spec: { ...c.spec, input: "bytes", size: MIB, count: 1 },
    });
  }
  return [...seen.values()];
}

/** Renders the report and writes it to `out`; resolves to its text. */
async function writeReport(
  sizes: Sizes,
  cases: BenchCase[],
  records: Map<string, RunRecord[]>,
  partial: string | null,
): Promise<string> {
  versions ??= await runtimeVersions();
  packages ??= {
    tusServer: await packageVersion("@tus/server"),
    fileStore: await packageVersion("@tus/file-store"),
    tusJs: await packageVersion("tus-js-client"),
  };
  const elapsedS = (performance.now() - startedAt) / 1000;
  const argv = process.argv.slice(2)
    .map((a) => /[\s"'$]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a)
    .join(" ");
  const report = renderReport({
    date: new Date().toISOString(),
    command: `node_modules/.bin/deno run -A bench/run.ts${
      argv ? ` ${argv}` : ""
    }`,
    machine: await machine(),
    versions:
      `Deno ${versions.deno}, Bun ${versions.bun}, Node ${versions.node} (tusflow from npm/ on Node); ` +
      `@tus/server ${packages.tusServer} with @tus/file-store ${packages.fileStore} on Node; ` +
      `tus-js-client ${packages.tusJs}`,
    load:
      `${loadAtStart} at start, ${load()} at end, highest 1-min load seen between runs ${
        maxLoad.toFixed(2)
      } (this benchmark alone keeps it near 2)`,
    elapsed: `${(elapsedS / 60).toFixed(1)} min`,
    notes: [
      ...(partial ? [`**Partial**: ${partial}.`] : []),
      ...(flags.note ? [`Note: ${flags.note}`] : []),
      "MB/s is 10^6 bytes per second. Each figure is the median of the runs; every run is a fresh process.",
      `Sizes: throughput uploads ${
        sizeLabel(sizes.throughput)
      } held in memory (${
        sizeLabel(sizes.streaming)
      } with chunk ∞, so that start-up does not weigh in); memory streams ${
        sizes.memory.map(sizeLabel).join(", ")
      } (the largest runs once${
        flags["no-huge"] ? "; skipped with --no-huge" : ""
      }); ${sizes.many} concurrent uploads of ${sizeLabel(sizes.manySize)}.`,
      "The discarding server is bench/serve.ts on Bun (it counts requests and bytes, keeps none); @tus/server writes to its FileStore on disk. Both share the 2 cores with the client.",
      'Raw fetch is the baseline: the same POST and PATCHes with plain fetch, no checksum, one after the other (`redirect: "error"`); with chunk ∞ its one PATCH streams the body.',
      "The Python resumable-upload client's 368 and 459 MB/s (sha1, 1 and 8 MiB chunks) are fixed figures measured earlier on this kind of machine, not in this run.",
      "CPU s/GB: the client process's CPU time (every thread, user + system) per 10^9 bytes uploaded; less sensitive to a busy machine than MB/s.",
      "RSS before = after importing the client and building the inputs; peak = max of samples every 10 ms and the kernel's VmHWM; growth = peak − before.",
      ...(quick
        ? [
          "--quick: small sizes and one run, for smoke checks only; the verdicts are indicative.",
        ]
        : []),
    ],
  }, summarize(cases, records));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, report);
  // Formatted as `deno fmt --check` (run over the repository) expects.
  await run(join(ROOT, "node_modules", ".bin", "deno"), [
    "fmt",
    "--quiet",
    out,
  ]);
  return report;
}

async function main(): Promise<number> {
  if (!flags["no-build"]) {
    console.log("Building npm/ (deno run -A npm-build.ts)…");
    const code = await run(join(ROOT, "node_modules", ".bin", "deno"), [
      "run",
      "-A",
      "npm-build.ts",
    ]);
    if (code !== 0) throw new Error("Cannot build npm/: npm-build.ts failed");
  }
  const sizes = quick ? QUICK : FULL;
  const groups = benchGroups({ sizes, runs, huge: !flags["no-huge"] })
    .map((g) => ({
      ...g,
      cases: g.cases.filter((c) => !flags.only || c.id.includes(flags.only)),
    }))
    .filter((g) => g.cases.length > 0);
  const cases = groups.flatMap((g) => g.cases);
  const total = cases.reduce((n, c) => n + c.runs, 0);
  console.log(
    `${cases.length} cases, ${total} runs (${
      quick ? "--quick" : "full"
    }, median of ${runs})`,
  );

  servers = {
    discard: await startBenchServer("bun"),
    tusNode: await TusNodeServer.start(),
  };
  const records = new Map<string, RunRecord[]>();
  let done = 0;
  try {
    // Not recorded: Deno's first run of a file compiles it, which would
    // show in the first case's memory high-water mark.
    for (const benchCase of warmUps(cases)) await measure(benchCase);
    for (const group of groups) {
      const groupStarted = performance.now();
      console.log(`\n## ${group.name}`);
      const most = Math.max(...group.cases.map((c) => c.runs));
      for (let round = 0; round < most; round++) {
        for (const benchCase of group.cases) {
          if (round >= benchCase.runs) continue;
          const record = await measure(benchCase);
          (records.get(benchCase.id) ??
            records.set(benchCase.id, []).get(benchCase.id)!).push(record);
          done++;
          maxLoad = Math.max(maxLoad, loadavg()[0]!);
          const { result, failure, requests } = record;
          const mbps = result ? result.bytes / result.seconds / 1e6 : null;
          console.log(
            `[${done}/${total}] ${benchCase.id} #${round + 1}: ${
              mbps === null ? "–" : mbps.toFixed(0)
            } MB/s, peak ${
              result ? (result.rssPeak / MIB).toFixed(0) : "–"
            } MiB${requests === null ? "" : `, ${requests} requests`}${
              failure ? ` ✗ ${failure}` : ""
            }`,
          );
        }
      }
      const minutes = (performance.now() - startedAt) / 60_000;
      console.log(
        `(${group.name}: ${
          ((performance.now() - groupStarted) / 1000).toFixed(0)
        } s; ${minutes.toFixed(1)} min so far)`,
      );
      await writeReport(
        sizes,
        cases,
        records,
        `${done} of ${total} runs done; the run stopped or is still going`,
      );
    }
  } finally {
    await servers.discard[Symbol.asyncDispose]();
    await servers.tusNode.close();
    await removeBundles();
  }

  console.log(`\n${await writeReport(sizes, cases, records, null)}`);
  console.log(`written to ${relative(ROOT, out)}`);
  return 0;
}
process.exit(await main());
