import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serve, type ServeRuntime } from "../../src/runtime/serve.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { bytes, create, head, patch } from "./_helpers.ts";

const isDeno = "Deno" in globalThis;
const current: ServeRuntime = isDeno
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

function echoOrDrop(request: Request, connection: { drop(): Response }) {
  if (new URL(request.url).pathname === "/drop") return connection.drop();
  if (new URL(request.url).pathname === "/throw") throw new Error("boom");
  return new Response(`${request.method} ok`);
}

describe("serve()", () => {
  for (const runtime of [current, "node"] as const) {
    test(`${runtime}: answers, drops a connection and closes`, async () => {
      const server = await serve(echoOrDrop, { runtime });
      try {
        assert.equal(server.runtime, runtime);
        assert.equal(server.dropsConnections, true);
        const base = `http://127.0.0.1:${server.port}`;
        const answer = await fetch(`${base}/`, { method: "POST", body: "x" });
        assert.equal(await answer.text(), "POST ok");
        await assert.rejects(
          fetch(`${base}/drop`, { method: "POST", body: "x" }),
          TypeError,
        );
        const failed = await fetch(`${base}/throw`);
        assert.equal(failed.status, 500);
        assert.match(await failed.text(), /^Cannot answer request: boom/);
      } finally {
        await server.close();
      }
    });
  }

  test("deno without relay: a drop answers 500 whose body fails", {
    skip: !isDeno,
  }, async () => {
    const server = await serve(echoOrDrop, { relay: false });
    try {
      assert.equal(server.dropsConnections, false);
      const response = await fetch(`http://127.0.0.1:${server.port}/drop`);
      assert.equal(response.status, 500);
      await assert.rejects(response.arrayBuffer(), TypeError);
    } finally {
      await server.close();
    }
  });

  test("close() does not wait for idle keep-alive connections", async () => {
    const server = await serve(echoOrDrop);
    const response = await fetch(`http://127.0.0.1:${server.port}/`);
    await response.text(); // the connection stays in the pool, idle
    const start = performance.now();
    await server.close();
    assert.ok(performance.now() - start < 1000);
  });
});

describe("startTusServer()", () => {
  test("close() ends pending latency faults at once", async () => {
    const server = await startTusServer();
    const url = await create(server.url);
    server.faults.latency(30_000);
    const pending = head(url).catch((error) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const start = performance.now();
    await server.close();
    assert.ok(performance.now() - start < 1000);
    await pending;
  });

  test("runs the tus server over @hono/node-server too", async () => {
    await using server = await startTusServer({ runtime: "node" });
    assert.equal(server.runtime, "node");
    const url = await create(server.url);
    server.faults.cutNextPatch({ afterBytes: 5, count: 2 });
    await assert.rejects(patch(url, 0, bytes("hello world")), TypeError);
    assert.equal(server.uploadOf(url)?.offset, 5);
  });

  test("checks its options", async () => {
    await assert.rejects(startTusServer({ basePath: "files/" }), TypeError);
    await assert.rejects(
      startTusServer({ extensions: ["streams"] }),
      RangeError,
    );
    await assert.rejects(
      startTusServer({ extensions: ["creation-with-upload"] }),
      RangeError,
    );
    await assert.rejects(
      startTusServer({ checksumAlgorithms: ["md5"] }),
      RangeError,
    );
    await assert.rejects(startTusServer({ maxSize: -1 }), RangeError);
    await assert.rejects(startTusServer({ expiresInMs: 0 }), RangeError);
  });
});
