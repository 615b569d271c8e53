/**
 * `tusflow upload` and `tusflow resume`: send a file with progress, print
 * the upload URL, and on Ctrl-C stop at once and print the URL to resume.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { FileUrlStorage, TusClient, type TusClientOptions } from "../../mod.ts";
import type { Command, TransferSettings } from "./args.ts";
import { UsageError } from "./args.ts";
import { interruptedExitCode, type ResolvedIo } from "./io.ts";
import { formatBytes, ProgressReporter } from "./progress.ts";

type TransferCommand = Extract<Command, { kind: "upload" | "resume" }>;

/**
 * Remembers the upload's URL from the responses the client sees, so that an
 * interrupted upload can name it: the `Location` of the POST that created it
 * (not of a partial upload), or the URL a HEAD or PATCH went to.
 */
class UrlTracker {
  url: string | null = null;
  readonly #parallel: boolean;

  constructor(parallel: boolean) {
    this.#parallel = parallel;
  }

  observe = (request: Request, response: Response): void => {
    const method = request.headers.get("X-HTTP-Method-Override") ??
      request.method;
    if (method === "POST" && response.status === 201) {
      const concat = request.headers.get("Upload-Concat") ?? "";
      const location = response.headers.get("Location");
      if (concat.startsWith("partial") || !location) return;
      this.url = new URL(location, request.url).href;
    } else if (
      !this.#parallel && response.ok &&
      (method === "HEAD" || method === "PATCH")
    ) {
      this.url = request.url;
    }
  };
}

/** Rejects a path that is not a readable regular file, before any request. */
async function checkFile(command: TransferCommand): Promise<number> {
  const path = command.transfer.file;
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
  tracker: UrlTracker,
): TusClientOptions {
  return {
    headers: transfer.headers,
    onAfterResponse: tracker.observe,
    ...(transfer.chunkSize === undefined
      ? {}
      : { chunkSize: transfer.chunkSize }),
    ...(transfer.retries === undefined ? {} : { maxRetries: transfer.retries }),
    ...(transfer.checksum === undefined ? {} : { checksum: transfer.checksum }),
  };
}

/**
 * Runs `upload` or `resume`.
 *
 * @returns The exit code: 0 done, 130 (or 143) interrupted.
 * @throws {UsageError} For a file that cannot be read, before any request.
 * @throws {TusCommunicationError} When the upload fails.
 */
export async function runTransfer(
  command: TransferCommand,
  io: ResolvedIo,
): Promise<number> {
  const size = await checkFile(command);
  const { transfer } = command;
  const parallel = command.kind === "upload" ? command.parallel ?? 1 : 1;
  const tracker = new UrlTracker(parallel > 1);
  const options = clientOptions(transfer, tracker);
  const progress = new ProgressReporter(io.stderr);
  const signal = io.signal;
  const name = basename(transfer.file);
  let run: () => Promise<string>;
  if (command.kind === "upload") {
    const client = new TusClient(command.endpoint, {
      ...options,
      ...(parallel > 1 ? { parallelUploads: parallel } : {}),
      ...(command.urlStorage === null ? {} : {
        storeUrl: true,
        urlStorage: new FileUrlStorage(command.urlStorage),
      }),
    });
    progress.note(
      `Uploading ${name} (${formatBytes(size)}) to ${command.endpoint}`,
    );
    run = () =>
      client.uploadFile({
        filePath: transfer.file,
        metadata: command.metadata,
        onProgress: (stats) => progress.update(stats),
        signal,
      });
  } else {
    const client = new TusClient(command.url, options);
    tracker.url = command.url;
    progress.note(`Resuming ${name} (${formatBytes(size)}) at ${command.url}`);
    run = () =>
      client.resumeUpload({
        filePath: transfer.file,
        uploadUrl: command.url,
        onProgress: (stats) => progress.update(stats),
        signal,
      });
  }
  try {
    const url = await run();
    const last = progress.last;
    progress.note(
      last
        ? `Done: ${formatBytes(last.totalBytes ?? last.uploadedBytes)} in ${
          last.elapsedTime.toFixed(1)
        }s`
        : "Done: the server already holds every byte",
    );
    io.stdout.write(`${url}\n`);
    return 0;
  } catch (error) {
    progress.end();
    if (!signal?.aborted) throw error;
    reportInterruption(command, tracker.url, progress, io);
    return interruptedExitCode(signal);
  }
}

function reportInterruption(
  command: TransferCommand,
  url: string | null,
  progress: ProgressReporter,
  io: ResolvedIo,
): void {
  const held = progress.last
    ? ` after ${formatBytes(progress.last.uploadedBytes)} of ${
      formatBytes(progress.last.totalBytes ?? progress.last.uploadedBytes)
    }`
    : "";
  if (url !== null) {
    progress.note(
      `Interrupted${held}. Resume with: tusflow resume ${
        quote(command.transfer.file)
      } --url ${quote(url)}`,
    );
    io.stdout.write(`${url}\n`);
    return;
  }
  const parallel = command.kind === "upload" && (command.parallel ?? 1) > 1;
  const stored = command.kind === "upload" && command.urlStorage !== null;
  progress.note(
    parallel && stored
      ? `Interrupted${held}. Run the same command again to resume the parts`
      : parallel
      ? `Interrupted${held}. Parallel parts cannot be resumed by URL; use --store-url to resume them`
      : `Interrupted before the server created the upload: nothing to resume`,
  );
}

/** Quotes a shell word when it needs it. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word)
    ? word
    : `'${word.replaceAll("'", `'\\''`)}'`;
}
