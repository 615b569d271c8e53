/**
 * Starts and stops `tus_node_server.mjs` (a real @tus/server with a FileStore)
 * as a separate Node process, and reads what its FileStore holds on disk.
 * `node:child_process` works alike under `deno test -A` and `bun test`.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./tus_node_server.mjs", import.meta.url));
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 2_000;
/** A reset socket can reach the client before the exit reaches the parent. */
const EXIT_GRACE_MS = 300;
const STDERR_TAIL_CHARS = 2_000;
/** How long {@linkcode TusNodeServer.watch} lets a test body run. */
export const WATCH_LIMIT_MS = 15_000;

/** Options of {@linkcode TusNodeServer.start}. */
export interface TusNodeServerOptions {
  /** `Tus-Max-Size` in bytes. */
  maxSize?: number;
  /** The FileStore's expiration period in ms (turns on 410 for old uploads). */
  expirationMs?: number;
}

interface Exit {
  code: number | null;
  signal: string | null;
}

/** A running @tus/server process; close it with `await using`. */
export class TusNodeServer implements AsyncDisposable {
  /** The creation endpoint, `http://127.0.0.1:PORT/files/`. */
  readonly endpoint: string;
  /** The FileStore directory: `<directory>/<id>` holds an upload's bytes. */
  readonly directory: string;
  #child: ChildProcess;
  #stderr: () => string;
  #exit: () => Exit | null;
  #exited: Promise<Exit>;
  #closing = false;

  private constructor(
    init: {
      endpoint: string;
      directory: string;
      child: ChildProcess;
      stderr: () => string;
      exit: () => Exit | null;
      exited: Promise<Exit>;
    },
  ) {
    this.endpoint = init.endpoint;
    this.directory = init.directory;
    this.#child = init.child;
    this.#stderr = init.stderr;
    this.#exit = init.exit;
    this.#exited = init.exited;
  }

  /**
   * Spawns `node tus_node_server.mjs` (`TUSFLOW_NODE` overrides the binary)
   * and waits, bounded, for the line that names its endpoint.
   *
   * @throws {Error} with the process's stderr when it exits or stays silent.
   */
  static async start(options: TusNodeServerOptions = {}): Promise<
    TusNodeServer
  > {
    const directory = await mkdtemp(join(tmpdir(), "tusflow-interop-"));
    // --cleanup: the server removes the directory as it exits, even when
    // this process is killed before close() (its stdin then closes).
    const args = [SCRIPT, "--dir", directory, "--cleanup"];
    if (options.maxSize !== undefined) {
      args.push("--max-size", String(options.maxSize));
    }
    if (options.expirationMs !== undefined) {
      args.push("--expiration", String(options.expirationMs));
    }
    const node = process.env.TUSFLOW_NODE ?? "node";
    const child = spawn(node, args, { stdio: ["pipe", "pipe", "pipe"] });
    // Closing stdin of a process that just died must not throw EPIPE.
    child.stdin!.on("error", () => {});
    let stderr = "";
    let exit: Exit | null = null;
    child.stderr!.on("data", (data) => {
      stderr = (stderr + String(data)).slice(-STDERR_TAIL_CHARS * 4);
    });
    const exited = new Promise<Exit>((resolve) => {
      child.on("error", (error) => {
        stderr += `\nspawn ${node} failed: ${error.message}`;
        exit ??= { code: null, signal: null };
        resolve(exit);
      });
      child.on("exit", (code, signal) => {
        exit ??= { code, signal };
        resolve(exit);
      });
    });
    const tail = () => stderr.slice(-STDERR_TAIL_CHARS);
    const exitedEarly = exited.then((how) => {
      throw new Error(
        `Cannot start @tus/server: the process exited (${
          describeExit(how)
        }) before printing its endpoint; stderr:\n${tail() || "(empty)"}`,
      );
    });
    // Once started, a later exit must not become an unhandled rejection.
    exitedEarly.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const line = await Promise.race([
        firstLine(child),
        exitedEarly,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `Cannot start @tus/server: no endpoint line within ${START_TIMEOUT_MS} ms; stderr:\n${
                    tail() || "(empty)"
                  }`,
                ),
              ),
            START_TIMEOUT_MS,
          );
        }),
      ]);
      const info = JSON.parse(line) as { endpoint: string; bun: unknown };
      if (info.bun) {
        throw new Error(
          `Cannot start @tus/server: "${node}" is Bun (${info.bun}), not Node; set TUSFLOW_NODE to a Node binary`,
        );
      }
      return new TusNodeServer({
        endpoint: info.endpoint,
        directory,
        child,
        stderr: tail,
        exit: () => exit,
        exited,
      });
    } catch (error) {
      child.kill("SIGKILL");
      await exited;
      await rm(directory, { recursive: true, force: true });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The server process's id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The process is still running. */
  get alive(): boolean {
    return this.#exit() === null;
  }

  /** The error that says the peer died, with its stderr tail. */
  diedError(cause?: unknown): Error {
    const how = this.#exit();
    return new Error(
      `@tus/server process died (${
        how ? describeExit(how) : "still exiting"
      }); this is not a client failure. stderr tail:\n${
        this.#stderr() || "(empty)"
      }`,
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * Runs a test body for at most `limitMs`; when it fails and the process
   * has exited (or exits within a short grace), the failure becomes
   * "@tus/server process died".
   */
  async watch<T>(
    body: () => Promise<T>,
    limitMs: number = WATCH_LIMIT_MS,
  ): Promise<T> {
    if (!this.alive) throw this.diedError();
    const running = body();
    // Past the limit the body may still settle: never as an unhandled error.
    running.catch(() => {});
    let limitTimer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) => {
      limitTimer = setTimeout(() =>
        reject(
          new Error(
            `Test did not settle within ${limitMs} ms, with @tus/server (pid ${this.pid}) ${
              this.alive ? "still running" : "dead"
            }`,
          ),
        ), limitMs);
    });
    try {
      return await Promise.race([running, limit]);
    } catch (error) {
      if (this.alive) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, EXIT_GRACE_MS);
        });
        await Promise.race([this.#exited, grace]);
        clearTimeout(timer);
      }
      if (!this.alive && !this.#closing) throw this.diedError(error);
      throw error;
    } finally {
      clearTimeout(limitTimer);
    }
  }

  /** Path of the file holding an upload's bytes (`<dir>/<id>`). */
  storedPath(uploadUrl: string): string {
    const id = new URL(uploadUrl).pathname.split("/").filter(Boolean).pop();
    if (!id) throw new Error(`No upload id in ${uploadUrl}`);
    return join(this.directory, id);
  }

  /** The bytes the FileStore holds for an upload. */
  async storedBytes(uploadUrl: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.storedPath(uploadUrl)));
  }

  /** The size on disk, or `null` when the FileStore has no file for it. */
  async storedSize(uploadUrl: string): Promise<number | null> {
    try {
      return (await stat(this.storedPath(uploadUrl))).size;
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return null;
      throw error;
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL) and removes its directory. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.alive) {
      this.#child.stdin?.end();
      this.#child.kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stopped = await Promise.race([
        this.#exited.then(() => true),
        new Promise<false>((resolve) =>
          timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS)
        ),
      ]);
      clearTimeout(timer);
      if (!stopped) {
        this.#child.kill("SIGKILL");
        await this.#exited;
      }
    }
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
    await rm(this.directory, { recursive: true, force: true });
  }

  /** Same as {@linkcode TusNodeServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** SHA-256 of `bytes`, in hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `size` random bytes (getRandomValues fills at most 64 KiB per call). */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65_536)));
  }
  return bytes;
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let buffered = "";
    const onData = (data: unknown) => {
      buffered += String(data);
      const end = buffered.indexOf("\n");
      if (end === -1) return;
      child.stdout!.off("data", onData);
      resolve(buffered.slice(0, end));
    };
    child.stdout!.on("data", onData);
  });
}

function describeExit(exit: Exit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? "could not run" : `exit code ${exit.code}`;
}
