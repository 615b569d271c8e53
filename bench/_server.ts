/**
 * The discarding server (`bench/serve.ts`) in a child process: start it
 * under a runtime, ask it what the last case sent, stop it.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ServeReport } from "./serve.ts";
import { type Runtime, scriptCommand } from "./_runtimes.ts";

const SERVE = fileURLToPath(new URL("./serve.ts", import.meta.url));
const START_TIMEOUT_MS = 20_000;
const REPORT_TIMEOUT_MS = 30_000;

export type { ServeReport };

/** A discarding tus server in another process. */
export interface BenchServer extends AsyncDisposable {
  /** The creation endpoint. */
  readonly url: string;
  /** The runtime serving. */
  readonly runtime: Runtime;
  /** The server process's id. */
  readonly pid: number;
  /** What was sent since the previous report. */
  report(): Promise<ServeReport>;
}

/** Resolves with each JSON line the child prints, in order. */
function jsonLines(child: ChildProcess): () => Promise<unknown> {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout!.on("data", (data) => {
    buffered += String(data);
    let end;
    while ((end = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (!line.startsWith("{")) continue;
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  return () => {
    const line = lines.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line));
    return new Promise((resolve) =>
      waiting.push((text) => resolve(JSON.parse(text)))
    );
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(what)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Starts the discarding server under `runtime` and waits for its URL. */
export async function startBenchServer(runtime: Runtime): Promise<BenchServer> {
  const [command, ...args] = await scriptCommand(runtime, SERVE);
  const child = spawn(command!, args, {
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin!.on("error", () => {});
  const next = jsonLines(child);
  const exited = new Promise<never>((_, reject) => {
    child.on("error", reject);
    child.on(
      "exit",
      (code) =>
        reject(new Error(`Cannot use bench server: it exited (${code})`)),
    );
  });
  exited.catch(() => {});
  const first = await within(
    Promise.race([next(), exited]),
    START_TIMEOUT_MS,
    `Cannot start bench server: no URL in ${START_TIMEOUT_MS} ms`,
  ) as { url: string };
  return {
    url: first.url,
    runtime,
    pid: child.pid!,
    report() {
      child.stdin!.write("report\n");
      return within(
        Promise.race([next(), exited]),
        REPORT_TIMEOUT_MS,
        "Cannot read bench server report: no answer",
      ) as Promise<ServeReport>;
    },
    [Symbol.asyncDispose]: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.on("exit", () => done());
        child.stdin!.end();
      }),
  };
}
