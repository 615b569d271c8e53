/**
 * Real parallel uploads that together take every transition of the
 * parallel machine, each with the faults its path needs.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  TusClient,
  type TusClientOptions,
  TusCommunicationError,
  TusUploadFailed,
} from "../../../mod.ts";
import { TUS_EXTENSIONS } from "../../../src/testing/_config.ts";
import type { TusServer } from "../../../src/testing/mod.ts";
import { randomBytes } from "../../_helpers.ts";
import type { Recorder } from "./_coverage.ts";
import {
  assertStored,
  FailingUrlStorage,
  reached,
  rejection,
  type Scenario,
} from "./_kit.ts";

const CHUNK = 16 * 1024;
/** Two parts of 20 KiB, two chunks each. */
const bytes = randomBytes(40 * 1024, 11);

function clientOf(
  server: { url: string },
  recorder: Recorder,
  options: TusClientOptions = {},
): TusClient {
  return new TusClient(server.url, {
    parallelUploads: 2,
    chunkSize: CHUNK,
    checksum: false,
    retryDelay: 1,
    maxRetries: 0,
    inspect: recorder.inspect,
    ...options,
  });
}

/** The key the final upload's URL is stored under (parts add `::part-…`). */
const isFinalKey = (key: string) => !key.includes("::part-");

/** The posts of final uploads the server received. */
function finalPosts(server: TusServer): number {
  return server.requests.filter((r) =>
    r.method === "POST" && r.headers["upload-concat"]?.startsWith("final")
  ).length;
}

/** A first run that stores the final URL; returns it and the storage. */
async function rememberedRun(
  server: TusServer,
  recorder: Recorder,
): Promise<{ url: string; urlStorage: FailingUrlStorage; key: string }> {
  const urlStorage = new FailingUrlStorage();
  const client = clientOf(server, recorder, { storeUrl: true, urlStorage });
  const url = await client.uploadFile({ fileStream: bytes });
  assertStored(server, url, bytes);
  const key = urlStorage.keys.find(isFinalKey) ?? "";
  assert.equal(await urlStorage.inner.getUrl(key), url);
  return { url, urlStorage, key };
}

export const PARALLEL_SCENARIOS: Scenario[] = [
  {
    name: "two parts joined by a final upload",
    faults: [],
    run: async ({ server, recorder }) => {
      const url = await clientOf(server, recorder).uploadFile({
        fileStream: bytes,
      });
      assertStored(server, url, bytes);
      assert.equal(server.uploadOf(url)?.kind, "final");
    },
  },
  {
    name: "remembered and complete: the second run sends nothing",
    faults: ["MemoryUrlStorage"],
    run: async ({ server, recorder }) => {
      const { url, urlStorage } = await rememberedRun(server, recorder);
      const before = server.requests.length;
      const again = clientOf(server, recorder, { storeUrl: true, urlStorage });
      assert.equal(await again.uploadFile({ fileStream: bytes }), url);
      const methods = server.requests.slice(before).map((r) => r.method);
      assert.deepEqual(methods.filter((m) => m !== "OPTIONS"), ["HEAD"]);
    },
  },
  {
    name: "remembered final upload gone (404): forgotten, uploaded anew",
    faults: ["MemoryUrlStorage", "forget(final, 404)"],
    run: async ({ server, recorder }) => {
      const { url, urlStorage } = await rememberedRun(server, recorder);
      server.faults.forget(url, 404);
      const again = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const fresh = await again.uploadFile({ fileStream: bytes });
      assert.notEqual(fresh, url);
      assertStored(server, fresh, bytes);
    },
  },
  {
    name: "remembered URL of an incomplete upload: forgotten, uploaded anew",
    faults: ["MemoryUrlStorage", "stored URL replaced by a partial upload"],
    run: async ({ server, recorder }) => {
      const { urlStorage, key } = await rememberedRun(server, recorder);
      const single = new TusClient(server.url, { checksum: false });
      const partial = await single.uploadFile({ fileStream: bytes, stopAt: 1 });
      await urlStorage.inner.setUrl(key, partial);
      const again = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const fresh = await again.uploadFile({ fileStream: bytes });
      assert.notEqual(fresh, partial);
      assertStored(server, fresh, bytes);
    },
  },
  {
    name: "remembered final upload answers 500 to its HEAD",
    faults: ["MemoryUrlStorage", "failNext(500, HEAD)"],
    run: async ({ server, recorder }) => {
      const { urlStorage } = await rememberedRun(server, recorder);
      server.faults.failNext({ status: 500, method: "HEAD", count: 5 });
      const again = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const error = await rejection(
        again.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(error.statusCode, 500);
      assert.equal(finalPosts(server), 1, "no second final upload");
    },
  },
  {
    name: "a server without concatenation",
    faults: ["server without concatenation"],
    server: {
      extensions: TUS_EXTENSIONS.filter((e) => e !== "concatenation"),
    },
    run: async ({ server, recorder }) => {
      const error = await rejection(
        clientOf(server, recorder).uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.match(error.message, /concatenation/);
      assert.equal(server.uploads().length, 0, "nothing created");
    },
  },
  ...(["getUrl", "setUrl"] as const).map((call): Scenario => ({
    name: `the URL storage fails in ${call} of the final URL`,
    faults: [`UrlStorage.${call} rejects (final key)`],
    run: async ({ server, recorder }) => {
      const urlStorage = new FailingUrlStorage(call, isFinalKey);
      const client = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.match(error.message, new RegExp(`Cannot ${call}`));
      // Remembering fails after the final upload joined every byte.
      const finals = server.uploads().filter((u) => u.kind === "final");
      assert.equal(finals.length, call === "getUrl" ? 0 : 1);
    },
  })),
  {
    name: "the URL storage fails in removeUrl of a gone final URL",
    faults: ["forget(final, 410)", "UrlStorage.removeUrl rejects"],
    run: async ({ server, recorder }) => {
      const { url, urlStorage } = await rememberedRun(server, recorder);
      server.faults.forget(url, 410);
      urlStorage.failing = "removeUrl";
      const again = clientOf(server, recorder, { storeUrl: true, urlStorage });
      await rejection(
        again.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(finalPosts(server), 1, "no second final upload");
    },
  },
  {
    name:
      "removeFingerprintOnSuccess on a remembered, complete final upload: everything forgotten",
    faults: ["MemoryUrlStorage", "removeFingerprintOnSuccess"],
    run: async ({ server, recorder }) => {
      const { url, urlStorage, key } = await rememberedRun(server, recorder);
      const again = clientOf(server, recorder, {
        storeUrl: true,
        urlStorage,
        removeFingerprintOnSuccess: true,
      });
      assert.equal(await again.uploadFile({ fileStream: bytes }), url);
      assert.equal(await urlStorage.inner.getUrl(key), null);
    },
  },
  {
    name: "the URL storage fails in removeUrl of a part once the final exists",
    faults: ["UrlStorage.removeUrl rejects (part keys)"],
    run: async ({ server, recorder }) => {
      const urlStorage = new FailingUrlStorage(
        "removeUrl",
        (key) => !isFinalKey(key),
      );
      const client = clientOf(server, recorder, { storeUrl: true, urlStorage });
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.match(error.message, /Cannot removeUrl/);
      assert.equal(finalPosts(server), 1, "the final upload joined the parts");
    },
  },
  {
    name: "a part refused (400) without retries",
    faults: ["failNext(400, PATCH)", "maxRetries 0"],
    run: async ({ server, recorder }) => {
      server.faults.failNext({ status: 400, method: "PATCH" });
      const error = await rejection(
        clientOf(server, recorder).uploadFile({ fileStream: bytes }),
        TusUploadFailed,
      );
      assert.match(error.message, /^Cannot upload part [12] of 2: /);
      assert.equal(finalPosts(server), 0);
    },
  },
  {
    name: "the final POST answers 500",
    faults: ["failNext(500, POST) once the final POST is sent"],
    run: async ({ server, recorder }) => {
      const client = clientOf(server, recorder, {
        onBeforeRequest(request) {
          const concat = request.headers.get("upload-concat") ?? "";
          if (concat.startsWith("final")) {
            server.faults.failNext({ status: 500, method: "POST" });
          }
        },
      });
      const error = await rejection(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(error.statusCode, 500);
      const partials = server.uploads().filter((u) => u.kind === "partial");
      assert.deepEqual(partials.map((u) => u.complete), [true, true]);
    },
  },
  {
    name: "abort while the parts upload",
    faults: ["latency(10 s, PATCH)", "AbortSignal"],
    run: async ({ server, recorder }) => {
      const stop = server.faults.latency(10_000, { method: "PATCH" });
      const controller = new AbortController();
      const run = clientOf(server, recorder).uploadFile({
        fileStream: bytes,
        signal: controller.signal,
      });
      run.catch(() => {});
      try {
        await reached(recorder, "upload.uploading");
        controller.abort();
        await rejection(run, TusUploadFailed);
        assert.equal(finalPosts(server), 0);
      } finally {
        stop();
      }
    },
  },
];
