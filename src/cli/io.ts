/**
 * Where the command-line tool writes, and what stops it.
 *
 * @module
 */
import process from "node:process";
import { Readable } from "node:stream";

/**
 * A text sink, shaped like `process.stdout`: only `write` is required.
 *
 * @example Collecting output in memory
 * ```ts
 * import type { CliWriter } from "@tusflow/client/cli";
 *
 * let text = "";
 * const writer: CliWriter = { write: (chunk) => (text += chunk) };
 * writer.write("hello\n");
 * console.log(text); // "hello\n"
 * ```
 */
export interface CliWriter {
  /** Writes text as is (the caller adds line ends). */
  write(text: string): unknown;
  /** A terminal: progress is then drawn as one bar redrawn in place. */
  readonly isTTY?: boolean;
  /** The terminal's width; the bar never takes more. @default {80} */
  readonly columns?: number;
}

/**
 * The streams and stop signal of one {@linkcode main} run; every field is
 * optional and defaults to the process's own.
 *
 * @example Capturing both streams
 * ```ts
 * import { type CliIo, main } from "@tusflow/client/cli";
 *
 * let out = "";
 * const io: CliIo = { stdout: { write: (t) => (out += t) }, stderr: { write: () => {} } };
 * console.log(await main(["--version"], io), out.trim().length > 0); // 0 true
 * ```
 */
export interface CliIo {
  /** Results: upload URLs, JSON. @default {process.stdout} */
  stdout?: CliWriter;
  /** Progress, hints and error messages. @default {process.stderr} */
  stderr?: CliWriter;
  /**
   * Stops the command as Ctrl-C does: an upload is aborted (its URL is
   * printed so that it can be resumed) and `serve` shuts down. When run as a
   * program, SIGINT and SIGTERM abort it. @default {never aborts}
   */
  signal?: AbortSignal;
  /** What `upload -` reads. @default {process.stdin} */
  stdin?: ReadableStream<Uint8Array>;
  /** The environment (`TUSFLOW_DEBUG=1` logs requests). @default {process.env} */
  env?: Readonly<Record<string, string | undefined>>;
}

/** {@linkcode CliIo} with its defaults filled in. */
export interface ResolvedIo {
  readonly stdout: CliWriter;
  readonly stderr: CliWriter;
  readonly signal: AbortSignal | undefined;
  /** Opens stdin as a stream (once). */
  readonly stdin: () => ReadableStream<Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Fills in the process's streams where `io` gives none. */
export function resolveIo(io: CliIo = {}): ResolvedIo {
  return {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    signal: io.signal,
    stdin: () =>
      io.stdin ??
        (Readable.toWeb(process.stdin) as unknown as ReadableStream<
          Uint8Array
        >),
    env: io.env ?? process.env,
  };
}

/** Why a run was interrupted: the signal's name decides the exit code. */
export class Interrupted extends Error {
  /** The exit code a shell expects: 128 + the signal number. */
  readonly exitCode: number;

  /** @param signalName `SIGINT` (exit 130) or `SIGTERM` (exit 143). */
  constructor(signalName: string) {
    super(`Interrupted by ${signalName}`);
    this.name = "Interrupted";
    this.exitCode = signalName === "SIGTERM" ? 143 : 130;
  }
}

/** The exit code for a run stopped by `signal` (130 unless told otherwise). */
export function interruptedExitCode(signal: AbortSignal): number {
  return signal.reason instanceof Interrupted ? signal.reason.exitCode : 130;
}
