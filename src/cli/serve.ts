/**
 * `tusflow serve`: the `./testing` tus server as a standalone process.
 *
 * @module
 */
import { FileUploadStore } from "../testing/file_store.ts";
import { startTusServer } from "../testing/mod.ts";
import type { RequestLogEntry } from "../testing/request_log.ts";
import type { Command } from "./args.ts";
import type { ResolvedIo } from "./io.ts";
import { formatBytes } from "./progress.ts";

/** How often `-v` looks for newly handled requests, in ms. */
const LOG_POLL_MS = 100;

/** The tus headers of an answer worth a glance in the log. */
const LOGGED = ["upload-offset", "upload-length", "location", "upload-concat"];

/** One line of `serve -v`: method, path, status, time, tus headers. */
export function formatServedRequest(entry: RequestLogEntry): string {
  const method = entry.effectiveMethod === entry.method
    ? entry.method
    : `${entry.method}(${entry.effectiveMethod})`;
  const status = entry.status === 0 ? "cut" : String(entry.status);
  const body = entry.bodyBytes ? ` ${formatBytes(entry.bodyBytes)} in` : "";
  const headers = LOGGED.flatMap((name) => {
    const value = entry.responseHeaders[name];
    return value === undefined ? [] : [`${name}: ${value}`];
  });
  return `${method} ${entry.path} ${status}${body} ${entry.durationMs} ms${
    headers.length ? `  ${headers.join("; ")}` : ""
  }`;
}

/** How long shutting down may take before the process leaves anyway. */
export const SHUTDOWN_TIMEOUT_MS = 3000;

/**
 * Serves until `io.signal` aborts (forever without one), then closes the
 * server, waiting at most {@linkcode SHUTDOWN_TIMEOUT_MS}.
 *
 * @returns The exit code, 0.
 * @throws {Error} When the server cannot listen (port taken…).
 */
export async function runServe(
  command: Extract<Command, { kind: "serve" }>,
  io: ResolvedIo,
): Promise<number> {
  const store = command.dir === null
    ? undefined
    : new FileUploadStore(command.dir);
  const server = await startTusServer({
    hostname: command.host,
    port: command.port,
    basePath: command.basePath,
    maxSize: command.maxSize,
    expiresInMs: command.expiresInMs,
    // No fault can be injected from the command line: no relay needed.
    cutConnections: false,
    ...(store ? { store } : {}),
  }).catch((error: unknown) => {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot start server on ${command.host}:${command.port}: ${why}`,
      { cause: error },
    );
  });
  io.stdout.write(`${server.url}\n`);
  const where = store ? `uploads in ${store.dir}` : "uploads in memory";
  io.stderr.write(
    `tus server (${server.runtime}) listening at ${server.url}, ${where}; Ctrl-C stops it\n`,
  );
  const signal = io.signal;
  let logged = 0;
  const flushLog = () => {
    for (; logged < server.requests.length; logged++) {
      io.stderr.write(`${formatServedRequest(server.requests[logged]!)}\n`);
    }
  };
  const poll = command.verbose ? setInterval(flushLog, LOG_POLL_MS) : null;
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  if (poll) {
    clearInterval(poll);
    flushLog();
  }
  io.stderr.write("Stopping the server\n");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), SHUTDOWN_TIMEOUT_MS);
  });
  const closed = await Promise.race([
    server.close().then(() => true, () => false),
    late,
  ]);
  clearTimeout(timer);
  if (!closed) {
    io.stderr.write(
      `Cannot stop the server cleanly: still closing after ${SHUTDOWN_TIMEOUT_MS} ms\n`,
    );
  }
  return 0;
}
