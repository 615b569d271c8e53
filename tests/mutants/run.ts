/**
 * Mutation score: plants each bug of `mutants.ts` in its own temporary copy
 * of the checkout (without `node_modules`, which is linked), runs the test
 * files the mutant names, and reports whether they caught it.
 *
 * ```sh
 * node_modules/.bin/deno run -A tests/mutants/run.ts [--filter NAME] [--list]
 *   [--no-baseline] [--timeout SECONDS] [--keep] [--verbose]
 * ```
 *
 * Exit code: 0 when every mutant was caught, 1 when one survived or is
 * stale, 2 when the unmutated tests already fail (the score would mean
 * nothing).
 *
 * @module
 */
import { spawn } from "node:child_process";
import {
  cp,
  mkdtemp,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type Mutant, MUTANTS } from "./mutants.ts";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** Not copied: dependencies (linked instead), git, build output. */
const SKIPPED = new Set(["node_modules", ".git", "npm", "results"]);

interface Options {
  filter: string | null;
  list: boolean;
  baseline: boolean;
  timeoutMs: number;
  keep: boolean;
  verbose: boolean;
}

type Verdict = "caught" | "survived" | "stale" | "ambiguous" | "timeout";

interface Outcome {
  readonly mutant: Mutant;
  readonly verdict: Verdict;
  readonly seconds: number;
  readonly detail: string;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = {
    filter: null,
    list: false,
    baseline: true,
    timeoutMs: 300_000,
    keep: false,
    verbose: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--filter") options.filter = args[++i] ?? "";
    else if (arg?.startsWith("--filter=")) options.filter = arg.slice(9);
    else if (arg === "--list") options.list = true;
    else if (arg === "--no-baseline") options.baseline = false;
    else if (arg === "--keep") options.keep = true;
    else if (arg === "--verbose") options.verbose = true;
    else if (arg === "--timeout") {
      options.timeoutMs = Number(args[++i]) * 1000;
      if (!(options.timeoutMs > 0)) throw new RangeError("bad --timeout");
    } else {
      throw new TypeError(`Cannot run mutants: unknown argument ${arg}`);
    }
  }
  return options;
}

/** How often `needle` occurs in `text`. */
function occurrences(text: string, needle: string): number {
  if (needle === "") return 0;
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; count++) {
    at = text.indexOf(needle, at + needle.length);
  }
  return count;
}

/** A copy of the checkout with `node_modules` linked to the real one. */
async function copyCheckout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tusflow-mutant-"));
  await cp(ROOT, dir, {
    recursive: true,
    filter: (source) => {
      const rel = relative(ROOT, source);
      return rel === "" || !rel.split(/[\\/]/).some((p) => SKIPPED.has(p));
    },
  });
  await symlink(
    await realpath(join(ROOT, "node_modules")),
    join(dir, "node_modules"),
  );
  return dir;
}

function denoPath(): string {
  return "Deno" in globalThis
    ? process.execPath
    : join(ROOT, "node_modules", ".bin", "deno");
}

/** Runs `deno test` on `files` in `dir`; resolves to its exit code, or null on timeout. */
function runTests(
  dir: string,
  files: readonly string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(
      denoPath(),
      ["test", "-A", "--no-check", ...files],
      {
        cwd: dir,
        detached: true, // its own process group, to stop every child on timeout
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    const collect = (chunk: Uint8Array) => {
      output = (output + new TextDecoder().decode(chunk)).slice(-20_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code: timedOut ? null : code ?? 1, output });
    });
  });
}

async function runMutant(mutant: Mutant, options: Options): Promise<Outcome> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const source = await readFile(join(ROOT, mutant.file), "utf8").catch(() =>
    null
  );
  const count = source === null ? 0 : occurrences(source, mutant.find);
  if (source === null || count === 0) {
    const why = source === null ? "file missing" : "find-text missing";
    const hint = mutant.likelyStale ? " (file was being rewritten)" : "";
    return { mutant, verdict: "stale", seconds: 0, detail: why + hint };
  }
  if (count > 1) {
    return {
      mutant,
      verdict: "ambiguous",
      seconds: 0,
      detail: `find-text occurs ${count} times`,
    };
  }
  const dir = await copyCheckout();
  try {
    await writeFile(
      join(dir, mutant.file),
      source.replace(mutant.find, () => mutant.replace),
    );
    const { code, output } = await runTests(
      dir,
      mutant.tests,
      options.timeoutMs,
    );
    const verdict: Verdict = code === null
      ? "timeout"
      : code === 0
      ? "survived"
      : "caught";
    const failed = output.split("\n").filter((line) =>
      /FAILED|=> .*_test\.ts/.test(line)
    ).slice(0, 3).join(" | ");
    return {
      mutant,
      verdict,
      seconds: elapsed(),
      detail: verdict === "survived" && options.verbose
        ? output.slice(-2000)
        : failed,
    };
  } finally {
    if (options.keep) console.log(`  kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

async function main(args: readonly string[]): Promise<number> {
  const options = parseArgs(args);
  const names = new Set<string>();
  for (const mutant of MUTANTS) {
    if (names.has(mutant.name)) throw new Error(`duplicate ${mutant.name}`);
    names.add(mutant.name);
  }
  const filters = options.filter?.split(",").filter(Boolean) ?? [];
  const selected = MUTANTS.filter((m) =>
    filters.length === 0 || filters.some((f) => m.name.includes(f))
  );
  if (options.list) {
    for (const m of selected) {
      console.log(`${pad(m.name, 36)} ${m.file}: ${m.description}`);
    }
    return 0;
  }
  if (selected.length === 0) {
    console.error(`No mutant matches ${options.filter}`);
    return 2;
  }
  if (options.baseline) {
    const files = [...new Set(selected.flatMap((m) => m.tests))];
    console.log(`baseline: ${files.length} test files, unmutated`);
    const dir = await copyCheckout();
    try {
      const { code, output } = await runTests(dir, files, options.timeoutMs);
      if (code !== 0) {
        console.error(output.slice(-4000));
        console.error("baseline failed: fix the suite before scoring mutants");
        return 2;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const outcomes: Outcome[] = [];
  for (const mutant of selected) {
    const outcome = await runMutant(mutant, options);
    outcomes.push(outcome);
    const label = outcome.verdict === "timeout"
      ? "caught (timeout)"
      : outcome.verdict;
    const mark = outcome.mutant.likelyStale
      ? " [likely stale after rewrite]"
      : "";
    console.log(
      `${pad(label, 17)} ${pad(mutant.name, 36)} ${
        outcome.seconds.toFixed(1).padStart(6)
      }s  ${mutant.file}${mark}`,
    );
    if (outcome.verdict !== "caught" && outcome.detail) {
      console.log(`    ${outcome.detail}`);
    }
  }
  const caught =
    outcomes.filter((o) => o.verdict === "caught" || o.verdict === "timeout")
      .length;
  const survived = outcomes.filter((o) => o.verdict === "survived");
  const stale = outcomes.filter((o) =>
    o.verdict === "stale" || o.verdict === "ambiguous"
  );
  const scored = caught + survived.length;
  const percent = scored === 0 ? 0 : (100 * caught) / scored;
  console.log(
    `\nmutation score: ${caught}/${scored} caught (${
      percent.toFixed(1)
    }%); ${stale.length} stale or ambiguous (not scored)`,
  );
  for (const o of survived) {
    console.log(`  survived: ${o.mutant.name}: ${o.mutant.description}`);
  }
  for (const o of stale) {
    console.log(
      `  ${o.verdict}: ${o.mutant.name} (${o.mutant.file}): ${o.detail}`,
    );
  }
  return survived.length + stale.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
