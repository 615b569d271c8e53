/**
 * Turns the runs of a benchmark into tables and target verdicts (medians,
 * ratios to the baselines of the same run), as Markdown.
 *
 * @module
 */
import type { CaseResult } from "./case.ts";
import { type BenchCase, FEW, MIB, sizeLabel } from "./_matrix.ts";
import type { Runtime } from "./_runtimes.ts";

/** One run of one case. */
export interface RunRecord {
  /** What the child printed, or `null` when it printed nothing usable. */
  result: CaseResult | null;
  /** Why the run failed (child error, incomplete upload, dead server). */
  failure: string | null;
  /** Requests the discarding server counted; `null` for @tus/server. */
  requests: number | null;
  /** Of those, the ones with an `Upload-Checksum` header. */
  checksummed: number | null;
}

/** A case with the medians of its runs. */
export interface CaseSummary {
  case: BenchCase;
  runs: number;
  /** Runs that completed and were verified complete on the server. */
  good: number;
  failure: string | null;
  /** MB/s (10^6 bytes per second), median. */
  mbps: number | null;
  /** Client CPU seconds (all threads) per 10^9 bytes, median. */
  cpuPerGb: number | null;
  rssImported: number | null;
  rssBefore: number | null;
  rssPeak: number | null;
  requests: number | null;
  checksummed: number | null;
}

/** A target and whether this run met it. */
export interface Verdict {
  target: string;
  measured: string;
  needed: string;
  met: boolean | null;
}

/** The Python client's figures the sha1 targets are set against. */
export const PYTHON_SHA1_MBPS: Record<number, number> = {
  [MIB]: 368,
  [8 * MIB]: 459,
};

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The medians of each case's good runs. */
export function summarize(
  cases: BenchCase[],
  records: Map<string, RunRecord[]>,
): CaseSummary[] {
  return cases.map((benchCase) => {
    const runs = records.get(benchCase.id) ?? [];
    const good = runs.filter((r) => r.failure === null && r.result);
    const pick = (f: (r: CaseResult) => number) =>
      median(good.map((r) => f(r.result!)));
    return {
      case: benchCase,
      runs: runs.length,
      good: good.length,
      failure: runs.find((r) => r.failure !== null)?.failure ?? null,
      mbps: pick((r) => r.bytes / r.seconds / 1e6),
      cpuPerGb: pick((r) => r.cpuSeconds / (r.bytes / 1e9)),
      rssImported: pick((r) => r.rssImported),
      rssBefore: pick((r) => r.rssBefore),
      rssPeak: pick((r) => r.rssPeak),
      requests: median(
        good.flatMap((r) => r.requests === null ? [] : [r.requests]),
      ),
      checksummed: median(
        good.flatMap((r) => r.checksummed === null ? [] : [r.checksummed]),
      ),
    };
  });
}

const mib = (bytes: number | null) =>
  bytes === null ? "–" : (bytes / MIB).toFixed(0);
const num = (value: number | null, digits = 0) =>
  value === null ? "–" : value.toFixed(digits);
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : a / b;

function find(
  summaries: CaseSummary[],
  match: (c: BenchCase) => boolean,
): CaseSummary | undefined {
  return summaries.find((s) => match(s.case));
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
}

/** A heading and its table, or nothing when the table has no rows. */
function section(title: string, body: string): string[] {
  return body.split("\n").length > 2 ? [`## ${title}`, "", body, ""] : [];
}

function status(s: CaseSummary): string {
  if (s.good === s.runs && s.runs > 0) return `${s.good}/${s.runs}`;
  return `${s.good}/${s.runs} ✗ ${s.failure ?? "no result"}`;
}

function clientLabel(c: BenchCase): string {
  if (c.spec.client !== "tusflow") return c.spec.client;
  return c.spec.checksum ? `tusflow ${c.spec.checksum}` : "tusflow";
}

function sameChunk(a: BenchCase, b: BenchCase): boolean {
  return a.kind === b.kind && a.peer === b.peer &&
    a.spec.chunkSize === b.spec.chunkSize && a.spec.size === b.spec.size;
}

function throughputTable(summaries: CaseSummary[]): string {
  const rows = summaries.filter((s) => s.case.kind === "throughput").map(
    (s) => {
      const raw = find(
        summaries,
        (c) =>
          sameChunk(c, s.case) && c.runtime === s.case.runtime &&
          c.spec.client === "raw",
      );
      const tusJs = find(
        summaries,
        (c) => sameChunk(c, s.case) && c.spec.client === "tus-js-client",
      );
      return [
        s.case.peer,
        sizeLabel(s.case.spec.chunkSize),
        s.case.runtime,
        clientLabel(s.case),
        num(s.mbps),
        num(ratio(s.mbps, raw?.mbps ?? null), 2),
        num(ratio(s.mbps, tusJs?.mbps ?? null), 2),
        num(s.cpuPerGb, 2),
        num(s.requests),
        num(s.checksummed),
        mib(s.rssPeak),
        status(s),
      ];
    },
  );
  return table([
    "server",
    "chunk",
    "runtime",
    "client",
    "MB/s",
    "× raw fetch",
    "× tus-js-client",
    "CPU s/GB",
    "requests",
    "with checksum",
    "peak RSS MiB",
    "complete",
  ], rows);
}

/** tusflow's RSS limit in a memory case: raw fetch's peak + 16 MiB + 4 chunks. */
function memoryLimit(
  summaries: CaseSummary[],
  s: CaseSummary,
): number | null {
  const raw = find(
    summaries,
    (c) =>
      sameChunk(c, s.case) && c.runtime === s.case.runtime &&
      c.spec.client === "raw",
  );
  if (!raw?.rssPeak) return null;
  return raw.rssPeak + 16 * MIB + 4 * (s.case.spec.chunkSize ?? 0);
}

function memoryTable(summaries: CaseSummary[]): string {
  const rows = summaries.filter((s) => s.case.kind === "memory").map((s) => {
    const limit = s.case.spec.client === "tusflow"
      ? memoryLimit(summaries, s)
      : null;
    return [
      sizeLabel(s.case.spec.size),
      sizeLabel(s.case.spec.chunkSize),
      s.case.runtime,
      clientLabel(s.case),
      num(s.mbps),
      mib(s.rssBefore),
      mib(s.rssPeak),
      s.rssPeak === null || s.rssBefore === null
        ? "–"
        : mib(Math.max(0, s.rssPeak - s.rssBefore)),
      mib(limit),
      num(s.requests),
      status(s),
    ];
  });
  return table([
    "stream",
    "chunk",
    "runtime",
    "client",
    "MB/s",
    "RSS before MiB",
    "peak MiB",
    "growth MiB",
    "limit MiB",
    "requests",
    "complete",
  ], rows);
}

function concurrencyLimit(s: CaseSummary): number | null {
  if (s.rssImported === null) return null;
  return 1.2 * s.case.spec.size * s.case.spec.count + s.rssImported;
}

function concurrencyTable(summaries: CaseSummary[]): string {
  const rows = summaries.filter((s) => s.case.kind === "concurrency").map(
    (s) => [
      s.case.runtime,
      clientLabel(s.case),
      `${s.case.spec.count} × ${sizeLabel(s.case.spec.size)}`,
      num(s.mbps),
      num(
        ratio(
          s.mbps,
          find(
            summaries,
            (c) =>
              c.kind === "concurrency" && c.runtime === s.case.runtime &&
              c.spec.client === s.case.spec.client && c.spec.count === FEW,
          )?.mbps ?? null,
        ),
        2,
      ),
      num(s.cpuPerGb, 2),
      mib(s.rssImported),
      mib(s.case.spec.size * s.case.spec.count),
      mib(s.rssPeak),
      mib(concurrencyLimit(s)),
      num(s.requests),
      status(s),
    ],
  );
  return table([
    "runtime",
    "client",
    "uploads",
    "aggregate MB/s",
    `× ${FEW} concurrent`,
    "CPU s/GB",
    "RSS after import MiB",
    "inputs MiB",
    "peak MiB",
    "limit MiB",
    "requests",
    "complete",
  ], rows);
}

/** Every target of issue 8, judged on this run's medians. */
export function verdicts(summaries: CaseSummary[]): Verdict[] {
  const out: Verdict[] = [];
  const judge = (
    target: string,
    measured: number | null,
    needed: number | null,
    unit: string,
    digits = 0,
  ) =>
    out.push({
      target,
      measured: measured === null ? "–" : `${measured.toFixed(digits)}${unit}`,
      needed: needed === null ? "–" : `≥ ${needed.toFixed(digits)}${unit}`,
      met: measured === null || needed === null ? null : measured >= needed,
    });
  const tusflow = (s: CaseSummary) => s.case.spec.client === "tusflow";

  for (const s of summaries.filter((s) => s.case.kind === "memory")) {
    if (!tusflow(s)) continue;
    const limit = memoryLimit(summaries, s);
    out.push({
      target: `${s.case.runtime} ${sizeLabel(s.case.spec.size)} stream, ${
        sizeLabel(s.case.spec.chunkSize)
      } chunks: peak RSS ≤ raw fetch peak + 16 MiB + 4 × chunk`,
      measured: `${mib(s.rssPeak)} MiB`,
      needed: `≤ ${mib(limit)} MiB`,
      met: s.rssPeak === null || limit === null || s.good < s.runs
        ? null
        : s.rssPeak <= limit,
    });
  }

  const many = summaries.filter((s) =>
    s.case.kind === "concurrency" && tusflow(s) && s.case.spec.count !== FEW
  );
  for (const s of many) {
    const few = find(
      summaries,
      (c) =>
        c.kind === "concurrency" && c.runtime === s.case.runtime &&
        c.spec.client === "tusflow" && c.spec.count === FEW,
    );
    const label = `${s.case.runtime} ${s.case.spec.count} concurrent`;
    out.push({
      target: `${label}: no error, every upload complete`,
      measured: status(s),
      needed: "all",
      met: s.runs > 0 && s.good === s.runs,
    });
    judge(
      `${label}: aggregate MB/s ≥ 0.8 × ${FEW} concurrent`,
      ratio(s.mbps, few?.mbps ?? null),
      0.8,
      "×",
      2,
    );
    const limit = concurrencyLimit(s);
    out.push({
      target: `${label}: peak RSS ≤ 1.2 × input bytes + RSS after import`,
      measured: `${mib(s.rssPeak)} MiB`,
      needed: `≤ ${mib(limit)} MiB`,
      met: s.rssPeak === null || limit === null ? null : s.rssPeak <= limit,
    });
  }

  const discard = summaries.filter((s) =>
    s.case.kind === "throughput" && s.case.peer === "discard"
  );
  for (const runtime of ["deno", "bun"] as Runtime[]) {
    for (const chunk of [MIB, 8 * MIB]) {
      const s = find(
        discard,
        (c) =>
          c.runtime === runtime && c.spec.client === "tusflow" &&
          c.spec.checksum === "sha1" && c.spec.chunkSize === chunk,
      );
      const python = PYTHON_SHA1_MBPS[chunk]!;
      judge(
        `${runtime} sha1, ${
          sizeLabel(chunk)
        } chunks: ≥ 1.2 × Python client's ${python} MB/s (fixed figure)`,
        s?.mbps ?? null,
        1.2 * python,
        " MB/s",
      );
    }
  }
  const nodeTusflow = find(
    discard,
    (c) =>
      c.runtime === "node" && c.spec.client === "tusflow" &&
      !c.spec.checksum && c.spec.chunkSize === MIB,
  );
  const tusJs = find(
    discard,
    (c) => c.spec.client === "tus-js-client" && c.spec.chunkSize === MIB,
  );
  judge(
    "node (npm build), 1 MiB chunks: ≥ 1.5 × tus-js-client at 1 MiB",
    ratio(nodeTusflow?.mbps ?? null, tusJs?.mbps ?? null),
    1.5,
    "×",
    2,
  );
  for (const runtime of ["deno", "bun", "node"] as Runtime[]) {
    const pick = (client: "tusflow" | "raw") =>
      find(
        discard,
        (c) =>
          c.runtime === runtime && c.spec.client === client &&
          !c.spec.checksum && c.spec.chunkSize === null,
      );
    judge(
      `${runtime} chunkSize ∞, no checksum: ≥ 0.9 × raw fetch`,
      ratio(pick("tusflow")?.mbps ?? null, pick("raw")?.mbps ?? null),
      0.9,
      "×",
      2,
    );
  }
  return out;
}

function verdictTable(list: Verdict[]): string {
  const word = (met: boolean | null) =>
    met === null ? "n/a" : met ? "met" : "**missed**";
  return table(
    ["target", "measured", "needed", "verdict"],
    list.map((v) => [v.target, v.measured, v.needed, word(v.met)]),
  );
}

/** The context printed above the tables. */
export interface RunContext {
  date: string;
  command: string;
  machine: string;
  versions: string;
  load: string;
  elapsed: string;
  notes: string[];
}

/** The whole report, as Markdown. */
export function renderReport(
  context: RunContext,
  summaries: CaseSummary[],
): string {
  const list = verdicts(summaries);
  const met = list.filter((v) => v.met === true).length;
  const missed = list.filter((v) => v.met === false).length;
  return [
    "# tusflow benchmark results",
    "",
    `- Date: ${context.date}`,
    `- Command: \`${context.command}\``,
    `- Machine: ${context.machine}`,
    `- Runtimes: ${context.versions}`,
    `- Load average (1, 5, 15 min): ${context.load}`,
    `- Took: ${context.elapsed}`,
    ...context.notes.map((n) => `- ${n}`),
    "",
    `## Targets: ${met} met, ${missed} missed, ${
      list.length - met - missed
    } not measured`,
    "",
    verdictTable(list),
    "",
    ...section(
      "Throughput (one upload of bytes in memory)",
      throughputTable(summaries),
    ),
    ...section(
      "Memory (one upload of a generated stream, checksum off)",
      memoryTable(summaries),
    ),
    ...section(
      "Concurrency (1 MiB chunks, checksum off; raw fetch for comparison, no target)",
      concurrencyTable(summaries),
    ),
  ].join("\n");
}
