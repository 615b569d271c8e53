import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  FileUrlStorage,
  Fingerprint,
  type TusClient,
  type TusClientOptions,
  TusUploadFailed,
} from "../../mod.ts";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { randomBytes } from "../_helpers.ts";
import { BlockingUrlStorage } from "./_blocking_storage.ts";
import { stateName } from "./_client_helpers.ts";
import {
  lifecycleClient,
  type LifecycleClientOptions,
  resumeUpload,
  uploadFile,
} from "./_lifecycle_api.ts";

/** The contract's bound on how long an abort may take to reject. */
const ABORT_BOUND_MS = 100;
/** How long a held step is held at most (never reached when all is well). */
const HOLD_MS = 10_000;
const bytes = randomBytes(48 * 1024);

/** What one row sets up: the client and how to start the upload. */
interface Held {
  readonly client: (options: LifecycleClientOptions) => TusClient;
  run(client: TusClient, signal: AbortSignal): Promise<unknown>;
  /** The method of a request held in flight, to wait until it is sent. */
  readonly inFlight?: string;
  release?(): void;
}

type Row = [
  state: string,
  hold: (server: TusServer) => Promise<Held>,
  how?: string,
];

/**
 * Every state of the upload machine, and how to hold an upload in it. State
 * names are dotted (`conflict.head`); edit here when the chart changes.
 */
const STATES: Row[] = [
  ["recalling", (server) => {
    const urlStorage = new BlockingUrlStorage(["getUrl"]);
    return held(server, { storeUrl: true, urlStorage }, {
      release: () => urlStorage.release(),
    });
  }],
  ["probing", (server) => {
    server.faults.latency(HOLD_MS, { method: "OPTIONS" });
    return held(server, { checksum: true }, { inFlight: "OPTIONS" });
  }],
  ["creating", (server) => {
    server.faults.latency(HOLD_MS, { method: "POST" });
    return held(server, {}, { inFlight: "POST" });
  }],
  ["remembering", (server) => {
    const urlStorage = new BlockingUrlStorage(["setUrl"]);
    return held(server, { storeUrl: true, urlStorage }, {
      release: () => urlStorage.release(),
    });
  }],
  ["remembering", async (server) => {
    // Another live process holds the lock: a write waits up to 15 s for it.
    const dir = await mkdtemp(join(tmpdir(), "tusflow-abort-"));
    const path = join(dir, "urls.json");
    await writeFile(
      `${path}.lock`,
      JSON.stringify({
        pid: process.ppid,
        hostname: hostname(),
        createdAt: Date.now(),
        token: "another-process",
      }),
    );
    const urlStorage = new FileUrlStorage(path);
    return held(server, { storeUrl: true, urlStorage }, {
      release: () => void rm(dir, { recursive: true, force: true }),
    });
  }, "FileUrlStorage locked by another process"],
  ["announcing", (server) =>
    held(server, {}, {
      run: (client, signal) =>
        uploadFile(client, {
          fileStream: bytes,
          signal,
          onUploadUrlAvailable: () => new Promise<void>(() => {}),
        }),
    })],
  ["opening", async (server) => {
    const url = await lifecycleClient(server.url, { checksum: false })
      .uploadFile({ fileStream: bytes, stopAt: 0 });
    server.faults.latency(HOLD_MS, { method: "HEAD" });
    return held(server, {}, {
      inFlight: "HEAD",
      run: (client, signal) =>
        resumeUpload(client, { fileStream: bytes, uploadUrl: url, signal }),
    });
  }],
  ["forgetting", async (server) => {
    const url = await lifecycleClient(server.url, { checksum: false })
      .uploadFile({ fileStream: bytes, stopAt: 0 });
    server.faults.forget(url, 404);
    const urlStorage = new BlockingUrlStorage(["removeUrl"]);
    const fingerprint = await new Fingerprint().getFingerprint(bytes);
    await urlStorage.inner.setUrl(
      `${fingerprint}::${new URL(server.url).href}`,
      url,
    );
    await urlStorage.inner.setUrl(fingerprint, url); // the first round's key
    return held(server, { storeUrl: true, urlStorage }, {
      release: () => urlStorage.release(),
    });
  }],
  ["uploading", (server) => {
    server.faults.latency(HOLD_MS, { method: "PATCH" });
    return held(server, {}, { inFlight: "PATCH" });
  }],
  ["retrying", (server) => {
    server.faults.failNext({ status: 500, method: "PATCH" });
    return held(server, { retryDelay: HOLD_MS, maxRetries: 3 }, {});
  }],
  ["conflict.head", (server) => {
    server.faults.conflictNext();
    server.faults.latency(HOLD_MS, { method: "HEAD" });
    return held(server, {}, { inFlight: "HEAD" });
  }],
];

function held(
  server: TusServer,
  extra: LifecycleClientOptions,
  rest: Partial<Held>,
): Promise<Held> {
  return Promise.resolve({
    client: (options) =>
      lifecycleClient(server.url, {
        checksum: false,
        chunkSize: 16 * 1024,
        maxRetries: 0,
        ...extra,
        ...options,
      }),
    run: (client, signal) => client.uploadFile({ fileStream: bytes, signal }),
    ...rest,
  });
}

/** Resolves once `seen` gets `name`; rejects after `ms` naming what it saw. */
function waitFor(
  reached: { names: string[]; wake: () => void },
  name: string,
  ms: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `Cannot abort in ${name}: never reached it within ${ms} ms (seen: ${
            [...new Set(reached.names)].join(", ")
          })`,
        ),
      );
    }, ms);
    reached.wake = () => {
      if (!reached.names.includes(name)) return;
      clearTimeout(timer);
      resolve();
    };
    reached.wake();
  });
}

/** How `promise` settled within `ms`: `"pending"` when it did not. */
async function settleWithin(
  promise: Promise<unknown>,
  ms: number,
): Promise<{ ms: number; error?: unknown; outcome: string }> {
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  const settled = promise.then(
    () => ({ outcome: "resolved" }),
    (error: unknown) => ({ outcome: "rejected", error }),
  );
  const result = await Promise.race([
    settled,
    pending.then((outcome) => ({
      outcome,
    })),
  ]);
  clearTimeout(timer);
  return { ms: performance.now() - start, ...result };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("an abort rejects within 100 ms in every state", () => {
  for (const [state, hold, how] of STATES) {
    test(how ? `${state} (${how})` : state, async () => {
      await using server = await startTusServer();
      const setup = await hold(server);
      const reached = { names: [] as string[], wake: () => {} };
      const sent: { method: string; at: number }[] = [];
      const options: TusClientOptions = {
        inspect(event) {
          if (event.type !== "@xstate.snapshot") return;
          const value = (event.snapshot as { value?: unknown }).value;
          if (value === undefined) return;
          reached.names.push(stateName(value));
          reached.wake();
        },
        onBeforeRequest(request) {
          sent.push({ method: request.method, at: Date.now() });
        },
      };
      const client = setup.client(options);
      const controller = new AbortController();
      const run = setup.run(client, controller.signal);
      run.catch(() => {});
      try {
        await waitFor(reached, state, 3000);
        if (setup.inFlight) {
          // Let the held request reach the server before aborting.
          for (let i = 0; i < 100; i++) {
            if (sent.some((s) => s.method === setup.inFlight)) break;
            await sleep(10);
          }
          await sleep(50);
        }
        // Counted, not timed: on a fast loopback the last request before
        // the abort often carries the abort's own millisecond.
        const sentBefore = sent.length;
        const loggedBefore = server.requests.length;
        controller.abort();
        const result = await settleWithin(run, 1000);
        assert.equal(
          result.outcome,
          "rejected",
          `the upload ${result.outcome} after the abort in ${state}`,
        );
        assert.ok(
          result.error instanceof TusUploadFailed,
          `rejected with ${String(result.error)}`,
        );
        assert.ok(
          result.ms < ABORT_BOUND_MS,
          `rejected ${Math.round(result.ms)} ms after the abort in ${state}`,
        );
        await sleep(200);
        const late = sent.slice(sentBefore);
        assert.deepEqual(late, [], "no request is sent after the abort");
        // The held request may reach the server late; nothing else may.
        const arrived = server.requests.slice(loggedBefore)
          .map((e) => e.method);
        const heldAt = arrived.indexOf(setup.inFlight ?? "");
        if (heldAt >= 0) arrived.splice(heldAt, 1);
        assert.deepEqual(arrived, [], "no request arrives after the abort");
      } finally {
        controller.abort();
        setup.release?.();
        server.faults.clear();
      }
    });
  }
});
