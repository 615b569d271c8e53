/**
 * The soak itself: many concurrent uploads, each planned from its own seed,
 * through the fault proxy, some in child processes killed at random moments;
 * each must end complete and byte-identical, or with a typed error after
 * which a resume without faults ends byte-identical. Anything else is lost.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { AttemptConfig, AttemptOutcome } from "./attempt.ts";
import { runAttempt } from "./attempt.ts";
import {
  describePlan,
  planUpload,
  type ServerName,
  type UploadPlan,
} from "./plan.ts";
import { Prng, seededBytes } from "./prng.ts";
import {
  FAULT_KINDS,
  type FaultKind,
  type FaultProxy,
  startFaultProxy,
} from "./proxy.ts";
import { sha256, type SoakServer, startSoakServer } from "./servers.ts";

/** Options of {@linkcode runSoak}. */
export interface SoakOptions {
  readonly seed: number;
  readonly server: ServerName;
  /** Stop starting uploads after this long. */
  readonly minutes: number;
  /** Stop after this many uploads (whichever comes first). */
  readonly uploads?: number;
  readonly concurrency: number;
  /** Cut drawn sizes to this many bytes. @default {64 MiB} */
  readonly maxSize?: number;
  /** Run only the upload with this seed. */
  readonly only?: number;
  /** Print a line for every upload, completed ones included. */
  readonly verbose?: boolean;
  /** Print every request through the proxy (with `only`). */
  readonly trace?: boolean;
  /** Where progress lines go. @default {console.log} */
  readonly log?: (line: string) => void;
}

/** How one upload ended. */
export interface UploadResult {
  readonly seed: number;
  readonly plan: string;
  readonly outcome: "complete" | "typed-then-complete" | "lost";
  /** Why it was lost, or the typed error it met first. */
  readonly detail: string;
  readonly faults: readonly FaultKind[];
  readonly bytes: number;
  readonly retries: number;
  readonly resumes: number;
  readonly kills: number;
  /** Where the clean resume got its URL: the error, storage or nowhere. */
  readonly handle: "error.uploadUrl" | "storage" | "none" | null;
  /**
   * A typed failure without a resume handle although the client had been
   * given an upload URL: the clean run had to start a new upload.
   */
  readonly noResumeHandle: boolean;
  /**
   * A PATCH failed for good although the upload met at most `maxRetries`
   * faults: fewer than it takes to use up one chunk's retries.
   */
  readonly suspect: boolean;
}

/** The soak's figures. */
export interface SoakReport {
  readonly seed: number;
  readonly server: ServerName;
  readonly uploads: number;
  readonly bytes: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly retries: number;
  readonly resumes: number;
  readonly kills: number;
  readonly typedFailures: number;
  readonly lost: number;
  /** Typed failures that left no way to resume an upload that existed. */
  readonly noResumeHandle: number;
  /** PATCH failures that the injected faults alone cannot explain. */
  readonly suspect: number;
  readonly fdGrowth: number | null;
  readonly rssGrowthMiB: number;
  readonly results: readonly UploadResult[];
}

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
/** A resume without faults gets a generous timeout and more retries. */
const CLEAN_TIMEOUT_MS = 120_000;
const CLEAN_RETRIES = 5;

/**
 * Runs the soak and returns its figures (never throws for a lost upload).
 *
 * @example Twenty uploads against our server
 * ```ts ignore
 * import { runSoak } from "./soak.ts";
 *
 * const report = await runSoak({
 *   seed: 42, server: "hono", minutes: 0.5, uploads: 20, concurrency: 4,
 * });
 * console.log(report.lost); // 0
 * ```
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = await mkdtemp(join(tmpdir(), "tusflow-soak-"));
  await using server = await startSoakServer(options.server);
  await using proxy = await startFaultProxy({
    upstream: server.origin,
    corrupt: server.checksChecksums,
    maxHangMs: 20_000,
    trace: options.trace ? (line) => log(`  ${line}`) : undefined,
  });
  const endpoint = proxy.origin + server.basePath;
  const env: JobEnv = {
    server,
    endpoint,
    dir,
    sharedStorage: join(dir, "urls-soak-process.json"),
    setPolicy: proxy.setPolicy,
    faultsOf: proxy.faultsOf,
    locationsOf: proxy.locationsOf,
    forget: proxy.forget,
    resentOf: proxy.resentOf,
    log,
  };
  const fdStart = openFds();
  const rssStart = process.memoryUsage().rss;
  const results: UploadResult[] = [];
  const running = new Set<Promise<void>>();
  const seeds = new Prng(options.seed);
  const stopAt = Date.now() + options.minutes * 60_000;
  const limit = options.only !== undefined ? 1 : options.uploads ?? Infinity;
  log(
    `soak seed=${options.seed} server=${options.server} minutes=${options.minutes} concurrency=${options.concurrency}${
      options.maxSize === undefined ? "" : ` max-size=${options.maxSize}`
    }`,
  );
  try {
    for (let started = 0; started < limit && Date.now() < stopAt;) {
      if (server.died()) {
        log(`server died: ${server.died()}`);
        break;
      }
      if (running.size >= options.concurrency) {
        await Promise.race(running);
        continue;
      }
      const seed = options.only ?? seeds.seed();
      started += 1;
      const job = runJob(planUpload(seed, options.server, options.maxSize), env)
        .then(
          (result) => {
            results.push(result);
            if (result.outcome !== "complete" || options.verbose) {
              log(
                `${result.outcome} seed=${result.seed} ${result.detail} faults=[${
                  result.faults.join(",")
                }] ${result.plan}`,
              );
            }
          },
        );
      const tracked = job.finally(() => running.delete(tracked));
      running.add(tracked);
    }
    await Promise.all(running);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // Let closed sockets and finished children go before counting.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  (globalThis as { gc?: () => void }).gc?.();
  const fdEnd = openFds();
  const sum = (pick: (r: UploadResult) => number) =>
    results.reduce((total, r) => total + pick(r), 0);
  return {
    seed: options.seed,
    server: options.server,
    uploads: results.length,
    bytes: sum((r) => (r.outcome === "lost" ? 0 : r.bytes)),
    faults: { ...proxy.faults },
    retries: sum((r) => r.retries),
    resumes: sum((r) => r.resumes),
    kills: sum((r) => r.kills),
    typedFailures:
      results.filter((r) => r.outcome !== "complete" && r.handle !== null)
        .length,
    lost: results.filter((r) => r.outcome === "lost").length,
    noResumeHandle: results.filter((r) => r.noResumeHandle).length,
    suspect: results.filter((r) => r.suspect).length,
    fdGrowth: fdStart === null || fdEnd === null ? null : fdEnd - fdStart,
    rssGrowthMiB: (process.memoryUsage().rss - rssStart) / 1_048_576,
    results,
  };
}

/** The closing line: every figure, `lost` among them. */
export function closingLine(report: SoakReport): string {
  const faults = FAULT_KINDS.map((kind) => `${kind}:${report.faults[kind]}`)
    .join(",");
  const fd = report.fdGrowth === null
    ? "n/a"
    : `${report.fdGrowth >= 0 ? "+" : ""}${report.fdGrowth}`;
  const rss = `${report.rssGrowthMiB >= 0 ? "+" : ""}${
    report.rssGrowthMiB.toFixed(1)
  }`;
  return `soak seed=${report.seed} server=${report.server} uploads=${report.uploads} bytes=${report.bytes} faults={${faults}} retries=${report.retries} resumes=${report.resumes} kills=${report.kills} typedFailures=${report.typedFailures} noResumeHandle=${report.noResumeHandle} suspect=${report.suspect} lost=${report.lost} fdGrowth=${fd} rssGrowthMiB=${rss}`;
}

interface JobEnv {
  readonly server: SoakServer;
  readonly endpoint: string;
  readonly dir: string;
  /** The FileUrlStorage of this process's own uploads. */
  readonly sharedStorage: string;
  readonly setPolicy: FaultProxy["setPolicy"];
  readonly faultsOf: FaultProxy["faultsOf"];
  readonly locationsOf: FaultProxy["locationsOf"];
  readonly forget: FaultProxy["forget"];
  readonly resentOf: FaultProxy["resentOf"];
  readonly log: (line: string) => void;
}

interface Tally {
  retries: number;
  resumes: number;
  kills: number;
}

async function runJob(plan: UploadPlan, env: JobEnv): Promise<UploadResult> {
  const content = seededBytes(plan.size, plan.seed);
  const digest = sha256(content);
  const filePath = join(env.dir, `${plan.id}.bin`);
  await writeFile(filePath, content);
  const storagePath = !plan.storeUrl
    ? null
    : plan.worker
    ? join(env.dir, `urls-${plan.id}.json`)
    : env.sharedStorage;
  const tally: Tally = { retries: 0, resumes: 0, kills: 0 };
  const base: AttemptConfig = {
    endpoint: env.endpoint,
    id: plan.id,
    filePath,
    input: plan.input,
    chunkSize: plan.chunkSize === Infinity ? "Infinity" : plan.chunkSize,
    checksum: plan.checksum,
    uploadDataDuringCreation: plan.uploadDataDuringCreation,
    parallelUploads: plan.parallelUploads,
    maxRetries: plan.maxRetries,
    retryDelay: plan.retryDelay,
    timeout: plan.timeout,
    storagePath,
    uploadUrl: null,
    seed: plan.seed,
  };
  const killer: Killer = { kill: null, pending: [...plan.killAt] };
  env.setPolicy(plan.id, {
    seed: plan.faultSeed,
    rate: plan.faultRate,
    otherRate: plan.otherFaultRate,
    maxFaults: plan.maxFaults,
    clientTimeoutMs: plan.timeout,
    onRequest({ index }) {
      if (
        killer.kill && killer.pending[0] !== undefined &&
        index >= killer.pending[0]
      ) {
        killer.pending.shift();
        const kill = killer.kill;
        setTimeout(kill, plan.killDelayMs);
      }
    },
  });
  const deadline = 120_000 + Math.ceil(plan.size / 262_144) * 1_000;
  const finish = (
    outcome: UploadResult["outcome"],
    detail: string,
    handle: UploadResult["handle"],
  ): UploadResult => ({
    seed: plan.seed,
    plan: describePlan(plan),
    outcome,
    detail,
    faults: [...seen, ...env.faultsOf(plan.id)],
    bytes: plan.size,
    retries: Math.max(tally.retries, env.resentOf(plan.id)),
    resumes: tally.resumes,
    kills: tally.kills,
    handle,
    noResumeHandle: handle === "none" && created,
    suspect,
  });
  let suspect = false;
  let created = false;
  let url: string | null = null;
  const seen: FaultKind[] = [];
  try {
    const first = await attempt(plan, base, content, killer, tally, deadline);
    if (first.ok) {
      url = first.url;
      const check = await verify(env.server, first.url, plan.size, digest);
      return check === null
        ? finish("complete", "", null)
        : finish("lost", `resolved but ${check}`, null);
    }
    if (!first.typed) {
      return finish("lost", `untyped ${first.name}: ${first.message}`, null);
    }
    // A typed failure: resume without faults, from the resume handle.
    seen.push(...env.faultsOf(plan.id));
    created = env.locationsOf(plan.id).length > 0;
    suspect = first.message.includes("Cannot send chunk") &&
      seen.length <= plan.maxRetries;
    env.setPolicy(plan.id, null);
    const handle = first.uploadUrl !== null
      ? "error.uploadUrl"
      : storagePath !== null
      ? "storage"
      : "none";
    const failure = `${suspect ? "SUSPECT " : ""}${first.name}(${
      first.statusCode ?? "-"
    }): ${first.message}`;
    tally.resumes += 1;
    const clean = await attempt(
      plan,
      {
        ...base,
        uploadUrl: first.uploadUrl,
        timeout: CLEAN_TIMEOUT_MS,
        maxRetries: CLEAN_RETRIES,
      },
      content,
      { kill: null, pending: [] },
      tally,
      deadline,
    );
    if (!clean.ok) {
      return finish(
        "lost",
        `after ${failure} the clean resume failed: ${clean.name}(${
          clean.statusCode ?? "-"
        }): ${clean.message}`,
        handle,
      );
    }
    url = clean.url;
    const check = await verify(env.server, clean.url, plan.size, digest);
    return check === null
      ? finish(
        "typed-then-complete",
        `${failure} (${
          handle === "none"
            ? created
              ? "NO RESUME HANDLE: started anew"
              : "nothing to resume: started anew"
            : `resumed via ${handle}`
        })`,
        handle,
      )
      : finish("lost", `after ${failure} the clean resume ${check}`, handle);
  } catch (error) {
    return finish("lost", `soak error: ${String(error)}`, null);
  } finally {
    env.setPolicy(plan.id, null);
    // Uploads started anew leave the first one behind: free it too.
    for (const location of env.locationsOf(plan.id)) {
      if (location !== url) await env.server.remove(location);
    }
    env.forget(plan.id);
    await rm(filePath, { force: true });
    if (storagePath !== null && storagePath !== env.sharedStorage) {
      await rm(storagePath, { force: true });
    }
    if (url !== null) await env.server.remove(url);
  }
}

interface Killer {
  /** Kills the current worker process, while one runs. */
  kill: (() => void) | null;
  /** Request indexes still to kill at. */
  pending: number[];
}

/** One attempt, in this process or in worker processes (resumed after kills). */
async function attempt(
  plan: UploadPlan,
  config: AttemptConfig,
  content: Uint8Array<ArrayBuffer>,
  killer: Killer,
  tally: Tally,
  deadlineMs: number,
): Promise<AttemptOutcome> {
  if (!plan.worker) {
    const stuck = new AbortController();
    const timer = setTimeout(() => stuck.abort(), deadlineMs);
    const outcome = await runAttempt(config, content, stuck.signal);
    clearTimeout(timer);
    tally.retries += outcome.retries;
    if (stuck.signal.aborted && !outcome.ok) {
      // Our deadline, not a fault: the upload was stuck.
      return {
        ...outcome,
        typed: false,
        name: "Stuck",
        message: `did not settle within ${deadlineMs} ms (${outcome.message})`,
      };
    }
    return outcome;
  }
  const stopAt = Date.now() + deadlineMs;
  for (let round = 0; round <= plan.killAt.length + 1; round++) {
    const run = runWorker(config, Math.max(1_000, stopAt - Date.now()));
    killer.kill = run.kill;
    const exit = await run.done;
    killer.kill = null;
    if (exit.outcome) {
      tally.retries += exit.outcome.retries;
      return exit.outcome;
    }
    if (!exit.killed) {
      return {
        ok: false,
        typed: false,
        name: "WorkerCrash",
        message:
          `worker exited (${exit.how}) without an outcome: ${exit.stderr}`,
        statusCode: null,
        uploadUrl: null,
        retries: 0,
      };
    }
    if (exit.deadline) {
      return {
        ok: false,
        typed: false,
        name: "Stuck",
        message: `worker did not settle within ${deadlineMs} ms`,
        statusCode: null,
        uploadUrl: null,
        retries: 0,
      };
    }
    // Killed on purpose: a new process picks the upload up from storage.
    tally.kills += 1;
    tally.resumes += 1;
  }
  return {
    ok: false,
    typed: false,
    name: "Stuck",
    message: "more kills than planned",
    statusCode: null,
    uploadUrl: null,
    retries: 0,
  };
}

interface WorkerExit {
  readonly outcome: AttemptOutcome | null;
  readonly killed: boolean;
  readonly deadline: boolean;
  readonly how: string;
  readonly stderr: string;
}

function runWorker(
  config: AttemptConfig,
  deadlineMs: number,
): { kill: () => void; done: Promise<WorkerExit> } {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const args = isDeno
    ? ["run", "-A", WORKER, JSON.stringify(config)]
    : [WORKER, JSON.stringify(config)];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let killed = false;
  let deadline = false;
  child.stdout!.on("data", (data) => (stdout += String(data)));
  child.stderr!.on(
    "data",
    (data) => (stderr = (stderr + String(data)).slice(-2_000)),
  );
  const timer = setTimeout(() => {
    deadline = true;
    kill();
  }, deadlineMs);
  function kill() {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killed = true;
    child.kill("SIGKILL");
  }
  const done = new Promise<WorkerExit>((resolve) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({
        outcome: null,
        killed: false,
        deadline: false,
        how: "spawn failed",
        stderr: String(error),
      });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split("\n").at(-1) ?? "";
      let outcome: AttemptOutcome | null = null;
      try {
        outcome = line ? JSON.parse(line) as AttemptOutcome : null;
      } catch { /* no outcome */ }
      resolve({
        outcome: killed && !outcome ? null : outcome,
        killed: killed && !outcome,
        deadline,
        how: signal ? `signal ${signal}` : `code ${code}`,
        stderr,
      });
    });
  });
  return { kill, done };
}

/** `null` when the server holds exactly the content, else what differs. */
async function verify(
  server: SoakServer,
  url: string,
  size: number,
  digest: string,
): Promise<string | null> {
  const stored = await server.stored(url);
  if (stored === null) return `the server has no upload at ${url}`;
  if (!stored.complete || stored.length !== size) {
    return `the server holds ${stored.offset}/${
      stored.length ?? "?"
    } of ${size} bytes`;
  }
  if (stored.sha256 !== digest) return "the stored bytes differ (SHA-256)";
  return null;
}

function openFds(): number | null {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return null;
  }
}
