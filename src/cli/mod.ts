#!/usr/bin/env node
/**
 * `tusflow`, the command-line tool: upload and resume files, inspect and
 * delete uploads, ask a server what it supports, and run the test server.
 *
 * Run it with `deno run -A src/cli/mod.ts <command>`, `bun src/cli/mod.ts
 * <command>`, or `npx tusflow <command>` from the npm package. Results go to
 * stdout (`<file>\t<url>` per uploaded file), progress and messages to
 * stderr. Exit codes: 0 done, 1 failed, 2
 * bad arguments (nothing was sent), 130 interrupted by Ctrl-C.
 *
 * @example Asking a server what it supports
 * ```ts
 * import { main } from "@tusflow/client/cli";
 * import { startTusServer } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer();
 * let out = "";
 * const code = await main(["server-info", server.url], {
 *   stdout: { write: (text) => (out += text) },
 * });
 * console.log(code, JSON.parse(out).extensions.includes("creation")); // 0 true
 * ```
 *
 * @module
 */
import { realpathSync } from "node:fs";
import process from "node:process";
import { setTimeout } from "node:timers";
import { fileURLToPath } from "node:url";
import { TusCommunicationError } from "../../mod.ts";
import { type Command, parseCommandLine, UsageError } from "./args.ts";
import { failureMessage } from "./failure.ts";
import { type CliIo, Interrupted, type ResolvedIo, resolveIo } from "./io.ts";
import { runRemote } from "./remote.ts";
import { runStored } from "./stored.ts";
import { runTransfer } from "./transfer.ts";
import { usageOf } from "./usage.ts";
import { VERSION } from "./version.ts";

export type { CliIo, CliWriter } from "./io.ts";
export { VERSION } from "./version.ts";

/**
 * Runs one command line, as the `tusflow` program does, and resolves to its
 * exit code; it never rejects and never exits the process.
 *
 * @param args The arguments after the program name.
 * @param io Where to write, and a signal that stops the command like Ctrl-C.
 * @returns 0 done, 1 failed, 2 bad arguments (nothing was sent), 130
 *   interrupted (143 for SIGTERM when run as a program).
 * @example Uploading a file and reading it back
 * ```ts
 * import { main } from "@tusflow/client/cli";
 * import { startTusServer } from "@tusflow/client/testing";
 *
 * await using server = await startTusServer();
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/hello.txt`, "hello");
 * let out = "";
 * const code = await main(["upload", `${dir}/hello.txt`, "-e", server.url], {
 *   stdout: { write: (text) => (out += text) },
 *   stderr: { write: () => {} },
 * });
 * const [, url] = out.trim().split("\t"); // "<file>\t<url>"
 * console.log(code, new TextDecoder().decode(server.bytesOf(url!)!)); // 0 "hello"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function main(args: string[], io: CliIo = {}): Promise<number> {
  const resolved = resolveIo(io);
  let command: Command | null = null;
  try {
    command = parseCommandLine(args, resolved.env);
    return await run(command, resolved);
  } catch (error) {
    return report(error, command, resolved);
  }
}

function run(command: Command, io: ResolvedIo): Promise<number> | number {
  switch (command.kind) {
    case "help":
      io.stdout.write(usageOf(command.topic));
      return 0;
    case "version":
      io.stdout.write(`tusflow ${VERSION}\n`);
      return 0;
    case "upload":
    case "resume":
      return runTransfer(command, io);
    case "info":
    case "delete":
    case "server-info":
      return runRemote(command, io);
    case "serve":
      // Loaded only here: the test server needs hono, an optional peer
      // dependency that the other commands do without.
      return loadServe().then((serve) => serve.runServe(command, io));
    case "stored":
      return runStored(command, io);
  }
}

/** Writes the message for `error` and picks the exit code. */
function report(
  error: unknown,
  command: Command | null,
  io: ResolvedIo,
): number {
  if (error instanceof UsageError) {
    const help = error.command
      ? `tusflow ${error.command} --help`
      : "tusflow --help";
    // One line: scripts and people read the first line of stderr.
    io.stderr.write(`${error.message} (see ${help})\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  const text = failureMessage(error, command?.kind ?? "tusflow");
  // The library checks arguments before any request, with these classes.
  if (
    (error instanceof TypeError || error instanceof RangeError) &&
    message.startsWith("Cannot ") && !(error instanceof TusCommunicationError)
  ) {
    io.stderr.write(`${text}\n`);
    return 2;
  }
  io.stderr.write(`${text}\n`);
  return 1;
}

/**
 * Whether this module is the program: `import.meta.main` on Deno and Bun;
 * on Node (20 has no `import.meta.main`), whether the script Node was given
 * is this file, symlinks (the npm `bin`) resolved. In the CommonJS bundle
 * `import.meta` is empty, and the `try` also keeps esbuild quiet about it.
 */
function isProgram(): boolean {
  try {
    const meta = import.meta as ImportMeta & { main?: boolean };
    if (typeof meta.main === "boolean") return meta.main;
    const script = process.argv[1];
    return script !== undefined &&
      realpathSync(script) === realpathSync(fileURLToPath(meta.url));
  } catch {
    return false;
  }
}

/**
 * Runs `main` for the process: SIGINT and SIGTERM abort the command (a
 * second one leaves at once), and once it is done the process exits, after
 * at most a second of cleanup by whatever is still open.
 */
function runProgram(): void {
  const stop = new AbortController();
  const onSignal = (name: "SIGINT" | "SIGTERM") => {
    const reason = new Interrupted(name);
    if (stop.signal.aborted) process.exit(reason.exitCode);
    stop.abort(reason);
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  main(process.argv.slice(2), { signal: stop.signal }).then((code) => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.exitCode = code;
    setTimeout(() => process.exit(code), 1000).unref();
  });
}

if (isProgram()) runProgram();

/** The `serve` command, or an error naming what to install. */
async function loadServe(): Promise<typeof import("./serve.ts")> {
  try {
    return await import("./serve.ts");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new Error(
        "Cannot run serve: it needs hono and @hono/node-server (npm install hono @hono/node-server)",
        { cause: error },
      );
    }
    throw error;
  }
}
