/**
 * The soak's fault proxy: each fault does what it says, seen from both ends
 * (the client's answer and what our tus server stored).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import {
  type FaultKind,
  type FaultProxy,
  startFaultProxy,
} from "../../soak/proxy.ts";
import { Prng, seededBytes } from "../../soak/prng.ts";

const TAG = "x-soak-upload";

async function setup(
  script: ReadonlyArray<FaultKind | null>,
  clientTimeoutMs = 2_000,
): Promise<{ server: TusServer; proxy: FaultProxy } & AsyncDisposable> {
  const server = await startTusServer({ cutConnections: false });
  const proxy = await startFaultProxy({ upstream: server.url });
  proxy.setPolicy("u", {
    seed: 7,
    rate: 0,
    maxFaults: 0,
    script,
    clientTimeoutMs,
  });
  return {
    server,
    proxy,
    async [Symbol.asyncDispose]() {
      await proxy.close();
      await server.close();
    },
  };
}

/** Creates an upload of `length` bytes through the proxy (no fault). */
async function create(proxy: FaultProxy, length: number): Promise<string> {
  const response = await fetch(`${proxy.origin}/files/`, {
    method: "POST",
    headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(length) },
  });
  await response.body?.cancel();
  assert.equal(response.status, 201);
  const location = response.headers.get("Location") ?? "";
  assert.ok(location.startsWith(proxy.origin), location);
  return location;
}

async function patch(
  url: string,
  body: Uint8Array<ArrayBuffer>,
  options: { checksum?: boolean; signal?: AbortSignal } = {},
): Promise<Response | Error> {
  const headers: Record<string, string> = {
    "Tus-Resumable": "1.0.0",
    "Upload-Offset": "0",
    "Content-Type": "application/offset+octet-stream",
    [TAG]: "u",
  };
  if (options.checksum) {
    headers["Upload-Checksum"] = `sha1 ${
      createHash("sha1").update(body).digest("base64")
    }`;
  }
  try {
    const response = await fetch(url, {
      method: "PATCH",
      headers,
      body,
      signal: options.signal,
    });
    await response.arrayBuffer();
    return response;
  } catch (error) {
    return error as Error;
  }
}

function storedOf(server: TusServer, url: string): Uint8Array {
  return server.bytesOf(url) ?? new Uint8Array(0);
}

const BODY = seededBytes(200_000, 3);

describe("fault proxy", () => {
  test("passes requests through unchanged without a fault", async () => {
    await using env = await setup([null]);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY, { checksum: true });
    assert.ok(response instanceof Response);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("Upload-Offset"), String(BODY.length));
    assert.deepEqual(storedOf(env.server, url), BODY);
    assert.equal(Object.values(env.proxy.faults).reduce((a, b) => a + b), 0);
  });

  for (
    const [kind, status] of [
      ["status-5xx", null],
      ["status-5xx-retry-after", 503],
      ["status-423", 423],
      ["status-429", 429],
      ["conflict-409", 409],
    ] as const
  ) {
    test(`${kind} answers ${status ?? "5xx"} and the server sees nothing`, async () => {
      await using env = await setup([kind]);
      const url = await create(env.proxy, BODY.length);
      const before = env.server.requests.length;
      const response = await patch(url, BODY);
      assert.ok(response instanceof Response, String(response));
      if (status === null) assert.ok(response.status >= 500);
      else assert.equal(response.status, status);
      if (kind === "status-5xx-retry-after") {
        assert.match(response.headers.get("Retry-After") ?? "", /^[01]$/);
      }
      assert.equal(response.headers.get("Upload-Offset"), null);
      assert.equal(env.server.requests.length, before);
      assert.equal(env.server.uploadOf(url)?.offset, 0);
      assert.deepEqual(env.proxy.faultsOf("u"), [kind]);
      assert.equal(env.proxy.faults[kind], 1);
    });
  }

  test("status-5xx-after-store: stored, answered 502", async () => {
    await using env = await setup(["status-5xx-after-store"]);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY);
    assert.ok(response instanceof Response);
    assert.equal(response.status, 502);
    assert.deepEqual(storedOf(env.server, url), BODY);
  });

  test("lost-response: stored, but the client gets no answer", async () => {
    // Deno's fetch may re-send once by itself: that attempt passes and
    // meets the offset the first one already moved (409).
    await using env = await setup(["lost-response"]);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY);
    assert.ok(
      response instanceof Error || response.status === 409,
      String(response),
    );
    assert.deepEqual(storedOf(env.server, url), BODY);
  });

  test("cut: the connection drops mid-body, a prefix may be stored", async () => {
    await using env = await setup(["cut", "cut"]);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY);
    assert.ok(
      response instanceof Error || response.status === 409,
      String(response),
    );
    const stored = storedOf(env.server, url);
    assert.ok(stored.length < BODY.length, `stored ${stored.length}`);
    assert.deepEqual(stored, BODY.subarray(0, stored.length));
  });

  test("conflict-409-partial: a strict prefix stored, answered 409", async () => {
    await using env = await setup(["conflict-409-partial"]);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY, { checksum: true });
    assert.ok(response instanceof Response);
    assert.equal(response.status, 409);
    const stored = storedOf(env.server, url);
    assert.ok(stored.length > 0 && stored.length < BODY.length);
    assert.deepEqual(stored, BODY.subarray(0, stored.length));
  });

  test("corrupt-checksum: one byte flipped, the server answers 460", async () => {
    await using env = await setup(["corrupt-checksum"]);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY, { checksum: true });
    assert.ok(response instanceof Response);
    assert.equal(response.status, 460);
    assert.equal(env.server.uploadOf(url)?.offset, 0);
  });

  test("latency: the request goes on unchanged", async () => {
    await using env = await setup(["latency"]);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY);
    assert.ok(response instanceof Response);
    assert.equal(response.status, 204);
    assert.equal(env.proxy.faults.latency, 1);
  });

  test("hang: held until the client gives up", async () => {
    await using env = await setup(["hang", "hang"], 300);
    const url = await create(env.proxy, BODY.length);
    const response = await patch(url, BODY, {
      signal: AbortSignal.timeout(300),
    });
    assert.ok(response instanceof Error, String(response));
  });

  test("requests of other uploads pass, and a null policy passes", async () => {
    await using env = await setup(["status-5xx"]);
    const url = await create(env.proxy, BODY.length);
    env.proxy.setPolicy("u", null);
    const response = await patch(url, BODY);
    assert.ok(response instanceof Response);
    assert.equal(response.status, 204);
  });

  test("a seed replays the same faults for the same requests", async () => {
    const draws: string[][] = [];
    for (let round = 0; round < 2; round++) {
      await using env = await setup([]);
      env.proxy.setPolicy("u", {
        seed: 99,
        rate: 0.5,
        maxFaults: 20,
        clientTimeoutMs: 300,
        kinds: ["status-5xx", "status-423", "latency", "conflict-409"],
      });
      const url = await create(env.proxy, 10);
      for (let i = 0; i < 12; i++) await patch(url, seededBytes(10, i));
      draws.push([...env.proxy.faultsOf("u")]);
    }
    assert.deepEqual(draws[0], draws[1]);
    assert.ok((draws[0] ?? []).length > 0);
  });

  test("counts re-sent PATCHes and the locations given out", async () => {
    await using env = await setup([]);
    const response = await fetch(`${env.proxy.origin}/files/`, {
      method: "POST",
      headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "3", [TAG]: "u" },
    });
    await response.body?.cancel();
    const url = response.headers.get("Location") ?? "";
    assert.deepEqual(env.proxy.locationsOf("u"), [url]);
    await patch(url, seededBytes(3, 1));
    await patch(url, seededBytes(3, 1)); // offset 0 again: 409
    assert.equal(env.proxy.resentOf("u"), 1);
    env.proxy.forget("u");
    assert.deepEqual(env.proxy.locationsOf("u"), []);
    assert.equal(env.proxy.resentOf("u"), 0);
  });

  test("the generator is deterministic", () => {
    const a = new Prng(5), b = new Prng(5);
    for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next());
    assert.deepEqual(seededBytes(13, 9), seededBytes(13, 9));
  });
});
