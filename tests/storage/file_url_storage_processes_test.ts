import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import {
  access,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  utimes,
  writeFile,
} from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { FileUrlStorage } from "../../src/storage/file_url_storage.ts";

const FIXTURE = fileURLToPath(
  new URL("./storage_worker_fixture.ts", import.meta.url),
);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tusflow-file-lock-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function freshDir(): Promise<string> {
  const sub = join(dir, `case-${counter++}`);
  await mkdir(sub);
  return sub;
}

/** Runs the fixture with the current runtime (`deno run -A` or `bun`). */
function runFixture(args: string[]): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stderr: string }>;
} {
  const runtimeArgs = "Deno" in globalThis ? ["run", "-A", FIXTURE] : [FIXTURE];
  const child = spawn(process.execPath, [...runtimeArgs, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (data) => (stderr += String(data)));
  const exited = new Promise<{ code: number | null; stderr: string }>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr }));
    },
  );
  return { child, exited };
}

async function exists(path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false);
}

async function waitFor(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A pid that certainly belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["--version"], { stdio: "ignore" });
  await new Promise((resolve) => child.on("close", resolve));
  return child.pid!;
}

function lockContent(pid: number, createdAt: number): string {
  return JSON.stringify({ pid, hostname: hostname(), createdAt, token: "t" });
}

/**
 * Starts 6 writer processes of 20 keys each at the same instant, reads the
 * file while they run, then checks that all 120 entries are there.
 *
 * @returns How many times the file was read (and parsed) meanwhile.
 */
async function runWriters(sub: string, path: string): Promise<number> {
  const barrier = join(sub, "barrier");
  await mkdir(barrier);
  const workers = Array.from(
    { length: 6 },
    (_, i) => runFixture(["write", path, `w${i}`, "20", barrier]),
  );
  await waitFor(
    async () => (await readdir(barrier)).length === workers.length,
    "workers to start",
  );
  await writeFile(join(barrier, "go"), "");
  let finished = false;
  const results = Promise.all(workers.map((w) => w.exited)).finally(() => {
    finished = true;
  });
  // Read while they write: the file is only ever replaced whole.
  let reads = 0;
  while (!finished) {
    const text = await readFile(path, "utf8").catch(() => null);
    if (text !== null) {
      assert.equal(typeof JSON.parse(text), "object");
      reads++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  for (const { code, stderr } of await results) assert.equal(code, 0, stderr);
  const stored = JSON.parse(await readFile(path, "utf8"));
  assert.equal(Object.keys(stored).length, 120);
  for (let w = 0; w < 6; w++) {
    for (let i = 0; i < 20; i++) {
      assert.equal(
        stored[`size:${i}--worker:w${w}`],
        `https://tus.example/files/w${w}-${i}`,
      );
    }
  }
  return reads;
}

describe("FileUrlStorage across processes", () => {
  test("setUrl() from 6 processes at once loses no entry and readers always see valid JSON", async () => {
    const sub = await freshDir();
    const path = join(sub, "urls.json");
    const reads = await runWriters(sub, path);
    assert.ok(reads > 0);
    assert.deepEqual((await readdir(sub)).sort(), ["barrier", "urls.json"]);
  });

  test("6 processes racing to break the same stale lock lose no entry", async () => {
    const sub = await freshDir();
    const path = join(sub, "urls.json");
    await writeFile(`${path}.lock`, lockContent(await deadPid(), Date.now()));
    await runWriters(sub, path);
    assert.deepEqual((await readdir(sub)).sort(), ["barrier", "urls.json"]);
  });

  test("a lock held by a live process makes setUrl() fail after lockTimeoutMs, naming the lock", async () => {
    const sub = await freshDir();
    const path = join(sub, "urls.json");
    const marker = join(sub, "held");
    const holder = runFixture(["hold", path, marker]);
    try {
      await waitFor(() => exists(marker), "the holder to take the lock");
      const storage = new FileUrlStorage(path, {
        lockTimeoutMs: 300,
        staleLockMs: 60_000,
      });
      const started = Date.now();
      await assert.rejects(storage.setUrl("a", "u"), (error: Error) => {
        assert.match(error.message, /^Cannot lock /);
        assert.ok(error.message.includes(`${path}.lock`), error.message);
        assert.match(error.message, /still holds it after 300 ms/);
        return true;
      });
      const waited = Date.now() - started;
      assert.ok(waited >= 250 && waited < 5_000, `waited ${waited} ms`);
    } finally {
      holder.child.kill("SIGKILL");
      await holder.exited;
    }
  });

  test("a lock left by a killed process does not block the next write", async () => {
    const sub = await freshDir();
    const path = join(sub, "urls.json");
    const marker = join(sub, "held");
    const holder = runFixture(["hold", path, marker]);
    await waitFor(() => exists(marker), "the holder to take the lock");
    holder.child.kill("SIGKILL");
    await holder.exited;
    assert.ok(await exists(`${path}.lock`), "the killed holder left its lock");
    const started = Date.now();
    const storage = new FileUrlStorage(path, { staleLockMs: 60_000 });
    await storage.setUrl("a", "u");
    assert.ok(Date.now() - started < 2_000);
    assert.equal(await storage.getUrl("a"), "u");
    assert.equal(await exists(`${path}.lock`), false);
  });

  test("a lock naming a dead pid is broken at once", async () => {
    const path = join(await freshDir(), "urls.json");
    await writeFile(`${path}.lock`, lockContent(await deadPid(), Date.now()));
    const storage = new FileUrlStorage(path, {
      lockTimeoutMs: 2_000,
      staleLockMs: 60_000,
    });
    await storage.setUrl("a", "u");
    assert.equal(await storage.getUrl("a"), "u");
  });

  test("a lock older than staleLockMs is broken even if its pid is alive", async () => {
    const path = join(await freshDir(), "urls.json");
    // The parent process is alive, and not this one.
    const old = Date.now() - 120_000;
    await writeFile(`${path}.lock`, lockContent(process.ppid, old));
    const storage = new FileUrlStorage(path, {
      lockTimeoutMs: 2_000,
      staleLockMs: 10_000,
    });
    await storage.setUrl("a", "u");
    assert.equal(await storage.getUrl("a"), "u");
  });

  test("a lock naming this pid but not held here (a restarted container) is broken", async () => {
    const path = join(await freshDir(), "urls.json");
    await writeFile(`${path}.lock`, lockContent(process.pid, Date.now()));
    const storage = new FileUrlStorage(path, {
      lockTimeoutMs: 2_000,
      staleLockMs: 60_000,
    });
    await storage.setUrl("a", "u");
    assert.equal(await storage.getUrl("a"), "u");
  });

  test("an empty lock file is judged by its age", async () => {
    const path = join(await freshDir(), "urls.json");
    await writeFile(`${path}.lock`, "");
    const storage = new FileUrlStorage(path, {
      lockTimeoutMs: 200,
      staleLockMs: 10_000,
    });
    // Fresh: its writer may be about to fill it in.
    await assert.rejects(storage.setUrl("a", "u"), /still holds it/);
    const old = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, old, old);
    await storage.setUrl("a", "u");
    assert.equal(await storage.getUrl("a"), "u");
  });
});
