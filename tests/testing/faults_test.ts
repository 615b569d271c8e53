import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  bytes,
  checksumOf,
  create,
  head,
  OCTET,
  patch,
  send,
  TUS,
} from "./_helpers.ts";

const HELLO = bytes("hello world");

describe("failNext", () => {
  test("answers the next matching requests with the status, Retry-After and body", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.failNext({
      status: 503,
      count: 2,
      method: "patch",
      retryAfter: "1",
      body: "busy",
    });
    assert.equal((await head(url)).status, 200, "HEAD does not match");
    for (let i = 0; i < 2; i++) {
      const answer = await patch(url, 0, HELLO);
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get("Retry-After"), "1");
      assert.equal(answer.headers.get("Tus-Resumable"), "1.0.0");
      assert.equal(answer.text, "busy");
    }
    assert.equal(server.uploadOf(url)?.offset, 0);
    assert.equal(server.faults.pending, 0);
    assert.equal((await patch(url, 0, HELLO)).status, 204);
  });

  test("matches any method by default, and the effective method", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 500 });
    const answer = await send(server.url, { method: "OPTIONS" });
    assert.equal(answer.status, 500);
    assert.match(answer.text, /injected 500/);
    const url = await create(server.url);
    server.faults.failNext({ status: 429, method: "PATCH" });
    const overridden = await send(url, {
      method: "POST",
      headers: {
        ...TUS,
        "X-HTTP-Method-Override": "PATCH",
        "Content-Type": OCTET,
        "Upload-Offset": "0",
      },
      body: HELLO,
    });
    assert.equal(overridden.status, 429);
  });
});

describe("conflictNext", () => {
  test("answers 409 to the next PATCH without storing anything", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.conflictNext();
    assert.equal((await head(url)).status, 200);
    const answer = await patch(url, 0, HELLO);
    assert.equal(answer.status, 409);
    assert.equal(answer.headers.get("Upload-Offset"), null);
    assert.equal(server.uploadOf(url)?.offset, 0);
    assert.equal((await patch(url, 0, HELLO)).status, 204);
  });
});

describe("cutNextPatch", () => {
  // Deno's fetch may send the request again on a fresh connection once: cut
  // both attempts so the caller sees the dropped connection.
  test("keeps the bytes read, then drops the connection: fetch rejects", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.cutNextPatch({ afterBytes: 4, count: 2 });
    await assert.rejects(patch(url, 0, HELLO), TypeError);
    assert.equal(server.uploadOf(url)?.offset, 4);
    assert.deepEqual(server.bytesOf(url), bytes("hell"));
    const cut = server.requests.find((entry) => entry.status === 0);
    assert.equal(cut?.method, "PATCH");
    assert.equal(cut?.bodyBytes, 4);
    server.faults.clear();
    const answer = await head(url);
    assert.equal(answer.headers.get("Upload-Offset"), "4");
    assert.equal((await patch(url, 4, bytes("o world"))).status, 204);
    assert.deepEqual(server.bytesOf(url), HELLO);
  });

  test("keeps the bytes of a PATCH with a checksum unless told otherwise", async () => {
    await using server = await startTusServer();
    const kept = await create(server.url);
    const dropped = await create(server.url);
    const checksum = { "Upload-Checksum": await checksumOf("sha1", HELLO) };
    server.faults.cutNextPatch({ afterBytes: 5, count: 2 });
    await assert.rejects(patch(kept, 0, HELLO, checksum), TypeError);
    server.faults.clear();
    server.faults.cutNextPatch({ afterBytes: 5, count: 2, keep: false });
    await assert.rejects(patch(dropped, 0, HELLO, checksum), TypeError);
    assert.equal(server.uploadOf(kept)?.offset, 5);
    assert.equal(server.uploadOf(dropped)?.offset, 0);
  });

  test("cuts every attempt with count Infinity, and a refused PATCH stores nothing", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.cutNextPatch({ afterBytes: 3, count: Infinity });
    await assert.rejects(patch(url, 0, HELLO), TypeError);
    await assert.rejects(patch(url, 0, HELLO), TypeError); // offset 3 now: refused, cut
    await assert.rejects(patch(url, 3, bytes("lo world")), TypeError);
    assert.equal(server.faults.pending, Infinity);
    assert.deepEqual(server.bytesOf(url), bytes("hello "));
  });

  test("with afterBytes past the body, stores it all and never answers", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.cutNextPatch({ afterBytes: 100, count: 2 });
    await assert.rejects(patch(url, 0, HELLO), TypeError);
    assert.equal(server.uploadOf(url)?.complete, true);
  });

  test("only applies to PATCH", async () => {
    await using server = await startTusServer();
    server.faults.cutNextPatch({ afterBytes: 0 });
    const url = await create(server.url);
    assert.equal((await head(url)).status, 200);
    assert.equal(server.faults.pending, 1);
  });
});

describe("latency", () => {
  test("delays matching requests until removed or cleared", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    const remove = server.faults.latency(80, { method: "HEAD" });
    let start = performance.now();
    await head(url);
    assert.ok(performance.now() - start >= 75, "HEAD is delayed");
    start = performance.now();
    await patch(url, 0, bytes("h"));
    assert.ok(performance.now() - start < 75, "PATCH is not");
    remove();
    start = performance.now();
    await head(url);
    assert.ok(performance.now() - start < 75, "removed");
    server.faults.latency(80);
    server.faults.clear();
    start = performance.now();
    await head(url);
    assert.ok(performance.now() - start < 75, "cleared");
  });
});

describe("forget", () => {
  for (const status of [404, 410] as const) {
    test(`makes an upload answer ${status}`, async () => {
      await using server = await startTusServer();
      const url = await create(server.url);
      server.faults.forget(new URL(url).pathname, status);
      assert.equal((await head(url)).status, status);
      assert.equal((await patch(url, 0, HELLO)).status, status);
      assert.equal(server.uploadOf(url)?.gone, status);
    });
  }

  test("throws for an unknown upload", async () => {
    await using server = await startTusServer();
    assert.throws(() => server.faults.forget(`${server.url}nope`), Error);
  });
});

describe("fault options", () => {
  test("are checked", async () => {
    await using server = await startTusServer();
    const { faults } = server;
    assert.throws(() => faults.failNext({ status: 99 }), RangeError);
    assert.throws(() => faults.failNext({ status: 500, count: 0 }), RangeError);
    assert.throws(() => faults.cutNextPatch({ afterBytes: -1 }), RangeError);
    assert.throws(() => faults.conflictNext({ count: 1.5 }), RangeError);
    assert.throws(() => faults.latency(-1), RangeError);
    assert.equal(faults.pending, 0);
  });
});
