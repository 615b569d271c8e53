/**
 * Helpers for the CLI tests: `main()` with captured streams, and the CLI as
 * a real process of the current runtime (the built npm `bin` on Node).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type CliIo, main } from "../../src/cli/mod.ts";

/** What one run of `main()` wrote, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `main(args)` in this process with captured stdout and stderr. */
export async function runCli(
  args: string[],
  options: {
    signal?: AbortSignal;
    tty?: boolean;
    columns?: number;
    onStderr?: (t: string) => void;
    stdin?: Uint8Array;
    env?: Record<string, string>;
  } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: {
      write: (text: string) => {
        stderr += text;
        options.onStderr?.(text);
      },
      isTTY: options.tty ?? false,
      ...(options.columns === undefined ? {} : { columns: options.columns }),
    },
    signal: options.signal,
    env: options.env ?? {},
    ...(options.stdin ? { stdin: bytesStream(options.stdin) } : {}),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** `bytes` as a stream of 1000-byte pieces, of unknown length. */
export function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 1000));
      at += 1000;
    },
  });
}

/** The upload URL of stdout's first `<file>\t<url>` line. */
export function urlOf(stdout: string): string {
  const url = stdout.split("\n")[0]?.split("\t")[1];
  if (!url) throw new Error(`Cannot find an upload URL in ${stdout}`);
  return url;
}

/**
 * The width of everything drawn between carriage returns and line ends,
 * escape sequences removed, in characters (code points).
 */
export function visibleWidths(text: string): number[] {
  return visibleSegments(text).map((line) => [...line].length);
}

/** What is drawn between carriage returns and line ends, escapes removed. */
export function visibleSegments(text: string): string[] {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split(/\r|\n/);
}

/** The widths of the progress bars drawn (segments showing a speed). */
export function barWidths(text: string): number[] {
  return visibleSegments(text).filter((s) => /\/s\b|%/.test(s)).map((s) =>
    [...s].length
  );
}

/** The runtime running the tests. */
export const RUNTIME: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** The built package's manifest (Node leg: `npm/package.json`). */
function builtManifest(): { path: string; json: Record<string, unknown> } {
  const path = createRequire(import.meta.url).resolve(
    "@tusflow/client/package.json",
  );
  return { path, json: JSON.parse(readFileSync(path, "utf8")) };
}

/**
 * The version the CLI must report: `deno.json`'s on Deno and Bun, the built
 * package's (made from `deno.json`) on Node.
 */
export function expectedVersion(): string {
  if (RUNTIME === "node") return String(builtManifest().json.version);
  const denoJson = new URL("../../deno.json", import.meta.url);
  return JSON.parse(readFileSync(denoJson, "utf8")).version;
}

/**
 * The command that starts the CLI: `deno run -A src/cli/mod.ts`, `bun
 * src/cli/mod.ts`, or on Node the npm package's `bin`.
 */
export function cliCommand(): string[] {
  if (RUNTIME === "node") {
    const { path, json } = builtManifest();
    const bin = (json.bin as Record<string, string> | undefined)?.tusflow;
    if (!bin) {
      throw new Error("Cannot find the tusflow bin in npm/package.json");
    }
    return [join(dirname(path), bin)];
  }
  const source = fileURLToPath(
    new URL("../../src/cli/mod.ts", import.meta.url),
  );
  return RUNTIME === "deno" ? ["run", "-A", source] : [source];
}

/** A CLI child process; `exited` settles when it closes. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<
    {
      code: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
    }
  >;
  /** Resolves with the first stdout line. */
  readonly firstLine: Promise<string>;
  /**
   * Sends a signal with `process.kill`: Deno's `child.kill()` reports the
   * exit as killed by the signal even when the child handled it.
   */
  kill(signal: "SIGINT" | "SIGTERM" | "SIGKILL"): void;
}

/** Starts the CLI as a real process of the current runtime. */
export function spawnCli(
  args: string[],
  options: { stdin?: Uint8Array; env?: Record<string, string> } = {},
): CliProcess {
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    env: { ...process.env, TUSFLOW_DEBUG: "", ...options.env },
  });
  if (options.stdin) child.stdin!.end(options.stdin);
  let stdout = "";
  let stderr = "";
  let onLine: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => (onLine = resolve));
  child.stdout!.on("data", (data) => {
    stdout += String(data);
    if (stdout.includes("\n")) onLine(stdout.split("\n")[0]!);
  });
  child.stderr!.on("data", (data) => (stderr += String(data)));
  const exited = new Promise<
    {
      code: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
    }
  >((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      onLine("");
      resolve({ code, signal, stdout, stderr });
    });
  });
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  };
  return { child, exited, firstLine, kill };
}

/** Polls `condition` every 20 ms, for at most `ms`. */
export async function waitUntil(
  condition: () => boolean,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Cannot wait: not true after ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
