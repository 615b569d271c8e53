/**
 * `tusflow serve`: the `./testing` tus server as a standalone process.
 *
 * @module
 */
import { startTusServer } from "../testing/mod.ts";
import type { Command } from "./args.ts";
import type { ResolvedIo } from "./io.ts";

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
  const server = await startTusServer({
    hostname: command.host,
    port: command.port,
  }).catch((error: unknown) => {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot start server on ${command.host}:${command.port}: ${why}`,
      { cause: error },
    );
  });
  io.stdout.write(`${server.url}\n`);
  io.stderr.write(
    `tus server (${server.runtime}) listening at ${server.url}; Ctrl-C stops it\n`,
  );
  const signal = io.signal;
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
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
