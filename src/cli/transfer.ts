/**
 * `tusflow upload` and `tusflow resume`: send files (or stdin) with
 * progress, one `<file>\t<url>` line per file on stdout, and whenever an
 * upload URL exists but the upload did not finish (failure, Ctrl-C), the
 * command that resumes it.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import {
  FileUrlStorage,
  TusClient,
  type TusClientOptions,
  TusCommunicationError,
  type UploadStats,
} from "../../mod.ts";
import type { Command, TransferSettings } from "./args.ts";
import { UsageError } from "./args.ts";
import { failureMessage, reasonOf } from "./failure.ts";
import { interruptedExitCode, type ResolvedIo } from "./io.ts";
import { formatBytes, ProgressDisplay } from "./progress.ts";
import { formatLogEvent, type TusLogEvent } from "./request_log.ts";

type TransferCommand = Extract<Command, { kind: "upload" | "resume" }>;

/** The default of the client's `maxRetries`, for "(attempt 2/3)": retry 2 of 3. */
const DEFAULT_RETRIES = 3;

/**
 * Client options the CLI sets that the library adds in its second round;
 * spelled out here so that this file compiles against either.
 */
type CliClientOptions = TusClientOptions & {
  onRetry?: (
    event: { error: TusCommunicationError; attempt: number; delayMs: number },
  ) => void;
  logger?: (event: TusLogEvent) => void;
  protocol?: "tus-v1" | "ietf-draft";
};

/** An upload's stats: `sentBytes` counts the chunk in flight. */
type Stats = UploadStats;

/** The size to show for a finished or stopped upload. */
function totalOf(stats: Stats): number {
  return stats.totalBytes ?? stats.uploadedBytes;
}

/** One file of the run, and what became of it. */
interface Job {
  /** As typed: a path or `-`. */
  readonly file: string;
  readonly name: string;
  /** From `stat`; `null` for stdin. */
  readonly size: number | null;
  url: string | null;
  stats: Stats | null;
  state: "waiting" | "sending" | "done" | "failed";
}

/** Checks every path before any request: a readable regular file, or `-`. */
async function checkFile(
  command: TransferCommand,
  path: string,
): Promise<number | null> {
  if (path === "-") return null;
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === "ENOENT" ? "no such file" : error.message;
    throw new UsageError(command.kind, `cannot read ${path}: ${why}`);
  });
  if (!info.isFile()) {
    throw new UsageError(command.kind, `${path} is not a regular file`);
  }
  return info.size;
}

function clientOptions(
  transfer: TransferSettings,
  hooks: Pick<CliClientOptions, "onRetry" | "logger">,
): CliClientOptions {
  const set = <K extends keyof CliClientOptions>(
    key: K,
    value: CliClientOptions[K] | undefined,
  ) => (value === undefined ? {} : { [key]: value });
  return {
    headers: transfer.headers,
    ...hooks,
    ...set("chunkSize", transfer.chunkSize),
    ...set("maxRetries", transfer.retries),
    ...set("retryDelay", transfer.retryDelayMs),
    ...set("timeout", transfer.timeoutMs),
    ...set("checksum", transfer.checksum),
    ...set("protocol", transfer.protocol),
  };
}

/** The progress figures of every job together. */
function aggregate(jobs: readonly Job[]) {
  let sent = 0;
  let moved = 0;
  let total: number | null = 0;
  for (const job of jobs) {
    const stats = job.stats;
    const bytes = stats ? stats.sentBytes : 0;
    sent += bytes;
    moved += Math.max(0, bytes - (stats?.startOffset ?? 0));
    const size = job.size ??
      (job.state === "done" && stats ? totalOf(stats) : null);
    total = total === null || size === null || size === undefined
      ? null
      : total + size;
  }
  const active = jobs.filter((job) => job.state === "sending");
  const finished = jobs.filter((j) =>
    j.state === "done" || j.state === "failed"
  );
  const label = jobs.length === 1
    ? jobs[0]!.name
    : `${finished.length}/${jobs.length}${
      active.length === 1 ? ` ${active[0]!.name}` : " files"
    }`;
  return { label, sent: Math.min(sent, total ?? sent), total, moved };
}

/**
 * Runs `upload` or `resume`.
 *
 * @returns The exit code: 0 every file done, 1 one failed, 130 (or 143)
 *   interrupted.
 * @throws {UsageError} For a file that cannot be read, before any request.
 */
export async function runTransfer(
  command: TransferCommand,
  io: ResolvedIo,
): Promise<number> {
  const files = command.kind === "upload" ? command.files : [command.file];
  const jobs: Job[] = [];
  for (const file of files) {
    jobs.push({
      file,
      name: file === "-" ? "stdin" : basename(file),
      size: await checkFile(command, file),
      url: command.kind === "resume" ? command.url : null,
      stats: null,
      state: "waiting",
    });
  }
  const { transfer } = command;
  const display = new ProgressDisplay(io.stderr, {
    read: () => aggregate(jobs),
  }, { quiet: transfer.quiet });
  const known = jobs.every((job) => job.size !== null);
  const size = known
    ? ` (${formatBytes(jobs.reduce((sum, job) => sum + job.size!, 0))})`
    : "";
  const what = jobs.length === 1 ? jobs[0]!.name : `${jobs.length} files`;
  const concurrency = command.kind === "upload"
    ? Math.min(command.jobs, jobs.length)
    : 1;
  display.note(
    command.kind === "upload"
      ? `Uploading ${what}${size} to ${command.endpoint}${
        concurrency > 1 ? `, ${concurrency} at a time` : ""
      }`
      : `Resuming ${what}${size} at ${command.url}`,
  );
  display.start();
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (io.signal?.aborted) break;
      await sendOne(command, job, jobs.length > 1, display, io);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  display.stop(
    !io.signal?.aborted &&
      (jobs.length > 1 || jobs.every((job) => job.state === "done")),
  );
  if (jobs.length === 1 && jobs[0]!.state === "done") {
    display.note(doneLine(jobs[0]!));
  }
  if (io.signal?.aborted) {
    reportInterruption(command, jobs, display, io);
    return interruptedExitCode(io.signal);
  }
  return jobs.every((job) => job.state === "done") ? 0 : 1;
}

async function sendOne(
  command: TransferCommand,
  job: Job,
  several: boolean,
  display: ProgressDisplay,
  io: ResolvedIo,
): Promise<void> {
  const { transfer } = command;
  const prefix = several ? `${job.name}: ` : "";
  const retries = transfer.retries ?? DEFAULT_RETRIES;
  const options = clientOptions(transfer, {
    onRetry: ({ error, attempt, delayMs }) =>
      display.note(
        `${prefix}retrying in ${
          (delayMs / 1000).toFixed(1)
        } s (attempt ${attempt}/${retries}): ${reasonOf(error)}`,
      ),
    ...(transfer.verbose
      ? { logger: (event: TusLogEvent) => display.say(formatLogEvent(event)) }
      : {}),
  });
  const source = job.file === "-"
    ? { fileStream: io.stdin() }
    : { filePath: job.file };
  const hooks = {
    onProgress: (stats: UploadStats | Stats) => {
      job.stats = stats;
      display.changed();
    },
    onUploadUrlAvailable: (url: string) => {
      job.url = url;
    },
    signal: io.signal,
  };
  job.state = "sending";
  try {
    let url: string;
    if (command.kind === "upload") {
      const parallel = command.parallel ?? 1;
      const client = new TusClient(command.endpoint, {
        ...options,
        ...(parallel > 1 && job.file !== "-"
          ? { parallelUploads: parallel }
          : {}),
        ...(command.urlStorage === null ? {} : {
          storeUrl: true,
          urlStorage: new FileUrlStorage(command.urlStorage),
        }),
      });
      url = await client.uploadFile({
        ...source,
        metadata: command.metadata,
        ...hooks,
      });
    } else {
      const client = new TusClient(command.url, options);
      url = await client.resumeUpload({
        ...source,
        uploadUrl: command.url,
        ...hooks,
      });
    }
    job.url = url;
    job.state = "done";
    display.output(io.stdout, `${job.file}\t${url}\n`);
    // A single file's line waits for the bar's last state.
    if (several) display.note(doneLine(job));
  } catch (error) {
    job.state = "failed";
    if (error instanceof TusCommunicationError) {
      const known = (error as { uploadUrl?: string | null }).uploadUrl;
      if (typeof known === "string") job.url = known;
    }
    if (io.signal?.aborted) return; // reported once, for every job
    // An upload the server no longer knows cannot be resumed.
    const status = error instanceof TusCommunicationError
      ? error.statusCode
      : null;
    const resumable = job.url !== null && status !== 404 && status !== 410;
    if (resumable) display.output(io.stdout, `${job.file}\t${job.url}\n`);
    display.say(`${prefix}${failureMessage(error, command.kind)}`);
    if (resumable) display.say(resumeHint(job, job.url!));
  }
}

function doneLine(job: Job): string {
  const stats = job.stats;
  const done = job.name === "" ? "Done" : `Done: ${job.name}`;
  return stats
    ? `${done}, ${formatBytes(totalOf(stats))} in ${
      stats.elapsedTime.toFixed(1)
    } s`
    : `${done}: the server already holds every byte`;
}

function resumeHint(job: Job, url: string): string {
  const stdin = job.file === "-" ? " (with the same data on stdin)" : "";
  return `Resume with: tusflow resume ${quote(job.file)} --url ${
    quote(url)
  }${stdin}`;
}

function reportInterruption(
  command: TransferCommand,
  jobs: readonly Job[],
  display: ProgressDisplay,
  io: ResolvedIo,
): void {
  for (const job of jobs) {
    if (job.state === "done") continue;
    const prefix = jobs.length > 1 ? `${job.name}: ` : "";
    const stats = job.stats;
    const held = stats
      ? ` after ${formatBytes(stats.uploadedBytes)}${
        stats.totalBytes === null ? "" : ` of ${formatBytes(stats.totalBytes)}`
      }`
      : "";
    if (job.url !== null) {
      io.stdout.write(`${job.file}\t${job.url}\n`);
      display.say(`${prefix}Interrupted${held}. ${resumeHint(job, job.url)}`);
      continue;
    }
    if (job.state === "waiting") {
      display.say(`${prefix}Interrupted before it started: nothing to resume`);
      continue;
    }
    const parallel = command.kind === "upload" && (command.parallel ?? 1) > 1;
    const stored = command.kind === "upload" && command.urlStorage !== null;
    display.say(
      `${prefix}${
        parallel && stored
          ? `Interrupted${held}. Run the same command again to resume the parts`
          : parallel
          ? `Interrupted${held}. Parallel parts cannot be resumed by URL; use --store-url to resume them`
          : `Interrupted before the server created the upload: nothing to resume`
      }`,
    );
  }
}

/** Quotes a shell word when it needs it. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word)
    ? word
    : `'${word.replaceAll("'", `'\\''`)}'`;
}
