import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createTusApp, startTusServer } from "../../src/testing/mod.ts";
import { bytes, create, patch, TUS } from "./_helpers.ts";

describe("stallBodyNext", () => {
  test("sends status and headers at once, then the first bytes, then nothing until the client leaves", async () => {
    await using server = await startTusServer();
    server.faults.stallBodyNext({
      method: "OPTIONS",
      status: 503,
      headers: { "Retry-After": "1" },
    });
    const controller = new AbortController();
    const response = await fetch(server.url, {
      method: "OPTIONS",
      signal: controller.signal,
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("Retry-After"), "1");
    assert.equal(response.headers.get("Tus-Resumable"), "1.0.0");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /^Cannot handle/);
    assert.equal(server.faults.pending, 0);
    controller.abort();
    await reader.read().catch(() => null); // ends: aborted
  });

  test("handles nothing of the request: a stalled PATCH stores no byte", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "5" });
    server.faults.stallBodyNext({ method: "PATCH" });
    const controller = new AbortController();
    const response = await fetch(url, {
      method: "PATCH",
      headers: {
        ...TUS,
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
      },
      body: bytes("hello"),
      signal: controller.signal,
    });
    assert.equal(response.status, 500);
    controller.abort();
    await response.body?.cancel().catch(() => {});
    assert.equal(server.uploadOf(url)?.offset, 0);
  });

  test("refuses a status that is not one", () => {
    const { faults } = createTusApp();
    assert.throws(() => faults.stallBodyNext({ status: 99 }), RangeError);
    assert.throws(() => faults.stallBodyNext({ count: 0 }), RangeError);
  });

  test("clear() removes pending stalls", () => {
    const { faults } = createTusApp();
    faults.stallBodyNext({ count: 3 });
    assert.equal(faults.pending, 3);
    faults.clear();
    assert.equal(faults.pending, 0);
  });
});

describe("request log: clientClosed and inFlight", () => {
  test("a request answered normally is not clientClosed", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "5" });
    const answer = await patch(url, 0, bytes("hello"));
    assert.equal(answer.status, 204);
    assert.deepEqual(server.requests.map((r) => r.clientClosed), [
      false,
      false,
    ]);
    assert.equal(server.inFlight, 0);
  });

  test("a connection cut by a fault is not clientClosed", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "5" });
    server.faults.cutNextPatch({ afterBytes: 2, count: 2 });
    await patch(url, 0, bytes("hello")).catch(() => null);
    const cut = server.requests.find((r) => r.method === "PATCH");
    assert.equal(cut?.status, 0);
    assert.equal(cut?.clientClosed, false);
  });

  test("a client that leaves during a delay is clientClosed, and nothing is handled", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "5" });
    server.faults.latency(10_000, { method: "PATCH" });
    const controller = new AbortController();
    const sent = fetch(url, {
      method: "PATCH",
      headers: {
        ...TUS,
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
      },
      body: bytes("hello"),
      signal: controller.signal,
    }).catch(() => null);
    for (let i = 0; i < 500 && server.inFlight === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(server.inFlight, 1);
    controller.abort();
    await sent;
    for (let i = 0; i < 500 && server.requests.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const held = server.requests.find((r) => r.method === "PATCH");
    assert.equal(held?.clientClosed, true);
    assert.equal(held?.status, 0);
    assert.equal(server.uploadOf(url)?.offset, 0);
    assert.equal(server.inFlight, 0);
  });
});

describe("cutNextPatch at exactly the body's end", () => {
  test("the body arrived whole: it is stored even with keep: false, on every runtime", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "5" });
    server.faults.cutNextPatch({ afterBytes: 5, keep: false, count: 2 });
    await patch(url, 0, bytes("hello")).catch(() => null);
    assert.equal(server.uploadOf(url)?.offset, 5);
  });
});
