/**
 * A cross-process lock built on a file created exclusively (`O_EXCL`), which
 * works the same on Deno, Bun and Node through `node:fs/promises`.
 *
 * The lock file holds `{ pid, hostname, createdAt, token }`. A waiter breaks
 * it when it is stale: its process is dead (same host, checked with signal 0)
 * or it is older than `staleMs`. Breaking happens under a second exclusive
 * file (`<lock>.break`) and re-checks staleness there, so two waiters never
 * both break a lock and one of them never removes the fresh lock of a third.
 * Waiting is bounded by `timeoutMs`.
 *
 * @module
 */
import type * as Fs from "node:fs/promises";
import type * as Os from "node:os";
import type * as Process from "node:process";
import { builtin } from "./builtin.ts";

const fs = () => builtin<typeof Fs>("node:fs/promises");
const process = () => builtin<typeof Process>("node:process");

/** How long a caller waits for the lock by default, in ms. */
export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;
/** Age after which a lock is broken even if its process looks alive, in ms. */
export const DEFAULT_LOCK_STALE_MS = 10_000;

/** Options of {@linkcode withFileLock}. */
export interface FileLockOptions {
  /** Gives up after waiting this long, in ms. @default {15_000} */
  timeoutMs?: number;
  /** A lock older than this is stale whatever its owner, in ms. @default {10_000} */
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  hostname: string | null;
  createdAt: number;
  token: string;
}

/** Same-process callers queue here instead of polling the file. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Tokens of the locks this process holds, shared through the global symbol
 * registry so that two copies of this module agree. A lock naming this pid
 * with another token was left by an earlier process that had the same pid
 * (a restarted container): it is stale.
 */
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("tusflow.heldFileLocks")
] ??= new Set<string>()) as Set<string>;

/**
 * Runs `run` while holding the lock file `lockPath`, then removes it.
 *
 * @param lockPath The lock file; its directory must exist.
 * @param run The critical section.
 * @param options Wait and staleness limits.
 * @returns What `run` returns.
 * @throws {Error} naming the lock when it stays held by a live owner for
 *   `timeoutMs`, or when the lock file cannot be created.
 *
 * @example Serialising a read-modify-write
 * ```ts
 * import { withFileLock } from "./file_lock.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const result = await withFileLock(`${dir}/data.json.lock`, async () => "done");
 * console.log(result); // "done"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function withFileLock<T>(
  lockPath: string,
  run: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const result = previous.catch(() => {}).then(async () => {
    const token = await acquire(lockPath, timeoutMs, staleMs);
    try {
      return await run();
    } finally {
      held.delete(token);
      await release(lockPath, token);
    }
  });
  const settled = result.catch(() => {});
  queues.set(lockPath, settled);
  void settled.then(() => {
    if (queues.get(lockPath) === settled) queues.delete(lockPath);
  });
  return result;
}

async function acquire(
  lockPath: string,
  timeoutMs: number,
  staleMs: number,
): Promise<string> {
  const token = `${process().pid}-${Date.now()}-${crypto.randomUUID()}`;
  const deadline = Date.now() + timeoutMs;
  let delayMs = 2;
  while (true) {
    held.add(token);
    let created = false;
    try {
      created = await tryCreate(lockPath, token);
    } finally {
      if (!created) held.delete(token);
    }
    if (created) return token;
    const seen = await inspect(lockPath, staleMs);
    if (seen !== "gone" && seen.stale) await breakStale(lockPath, staleMs);
    const now = Date.now();
    if (now >= deadline) {
      const holder = seen === "gone" ? "another process" : seen.holder;
      throw new Error(
        `Cannot lock ${lockPath}: ${holder} still holds it after ${timeoutMs} ms; ` +
          `remove the file if no tusflow process is running`,
      );
    }
    // A lock that vanished or was just broken is retried at once. Jitter
    // keeps several waiters from polling in lockstep.
    if (seen === "gone" || seen.stale) continue;
    await sleep(Math.min(delayMs * (0.5 + Math.random()), deadline - now));
    delayMs = Math.min(delayMs * 2, 50);
  }
}

async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs().open(lockPath, "wx");
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw new Error(`Cannot lock ${lockPath}: ${describe(error)}`, {
      cause: error,
    });
  }
  const owner: LockOwner = {
    pid: process().pid,
    hostname: localHostname(),
    createdAt: Date.now(),
    token,
  };
  try {
    await handle.writeFile(JSON.stringify(owner));
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => {});
    await fs().unlink(lockPath).catch(() => {});
    throw new Error(`Cannot lock ${lockPath}: ${describe(error)}`, {
      cause: error,
    });
  }
  return true;
}

type Inspection = "gone" | { stale: boolean; holder: string };

async function inspect(lockPath: string, staleMs: number): Promise<Inspection> {
  let text: string;
  let modifiedAt: number;
  try {
    text = await fs().readFile(lockPath, "utf8");
    modifiedAt = (await fs().stat(lockPath)).mtimeMs;
  } catch (error) {
    if (codeOf(error) === "ENOENT") return "gone";
    throw new Error(`Cannot lock ${lockPath}: ${describe(error)}`, {
      cause: error,
    });
  }
  const owner = parseOwner(text);
  // A lock without content is being written right now, or its writer died
  // between creating and writing: only its age can tell.
  const createdAt = owner?.createdAt ?? modifiedAt;
  const ageMs = Date.now() - createdAt;
  const holder = owner ? `process ${owner.pid}` : "another process";
  if (ageMs > staleMs) return { stale: true, holder };
  if (!owner || !sameHost(owner)) return { stale: false, holder };
  if (owner.pid === process().pid) {
    return { stale: !held.has(owner.token), holder };
  }
  return { stale: isDead(owner.pid), holder };
}

async function breakStale(lockPath: string, staleMs: number): Promise<void> {
  const breakPath = `${lockPath}.break`;
  let handle;
  try {
    handle = await fs().open(breakPath, "wx");
  } catch (error) {
    if (codeOf(error) !== "EEXIST") throw error;
    // Another waiter is breaking the lock; a breaker that died mid-way
    // leaves this file behind, so an old one is removed.
    const info = await fs().stat(breakPath).catch(() => null);
    if (info && Date.now() - info.mtimeMs > staleMs) {
      await fs().unlink(breakPath).catch(() => {});
    } else {
      await sleep(1);
    }
    return;
  }
  try {
    await handle.close();
    // Check again: the lock seen stale may have been replaced meanwhile.
    const seen = await inspect(lockPath, staleMs);
    if (seen !== "gone" && seen.stale) {
      await fs().unlink(lockPath).catch(ignoreMissing);
    }
  } finally {
    await fs().unlink(breakPath).catch(ignoreMissing);
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  const text = await fs().readFile(lockPath, "utf8").catch(() => null);
  // Someone judged the lock stale and took it over: it is theirs now.
  if (text === null || parseOwner(text)?.token !== token) return;
  await fs().unlink(lockPath).catch(ignoreMissing);
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (
      typeof value?.pid === "number" && typeof value.createdAt === "number" &&
      typeof value.token === "string"
    ) {
      return {
        pid: value.pid,
        hostname: typeof value.hostname === "string" ? value.hostname : null,
        createdAt: value.createdAt,
        token: value.token,
      };
    }
  } catch {
    // Empty or partly written.
  }
  return null;
}

let cachedHostname: string | null | undefined;

function localHostname(): string | null {
  if (cachedHostname === undefined) {
    try {
      cachedHostname = builtin<typeof Os>("node:os").hostname();
    } catch {
      // Deno without --allow-sys.
      cachedHostname = null;
    }
  }
  return cachedHostname;
}

/** A pid means something only on its own host; an unknown host counts as this one. */
function sameHost(owner: LockOwner): boolean {
  const local = localHostname();
  return owner.hostname === null || local === null || owner.hostname === local;
}

/** Signal 0 checks that a process exists without touching it. */
function isDead(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process().kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, owned by another user. Anything else (Deno without
    // --allow-run) is unknown: leave it to the age check.
    return codeOf(error) === "ESRCH";
  }
}

function ignoreMissing(error: unknown): void {
  if (codeOf(error) !== "ENOENT") throw error;
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function describe(error: unknown): string {
  const code = codeOf(error);
  if (code === "ENOENT") return "its directory does not exist";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
