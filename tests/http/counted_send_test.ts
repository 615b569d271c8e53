import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { countedSend } from "../../src/runtime/counted_send.ts";
import { networkCauseCode } from "../../src/runtime/network_cause.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { closedPort, randomBytes } from "../_helpers.ts";
import { holdingServer, increasing, settled } from "./_wire_helpers.ts";

// Larger than what loopback socket buffers hold (about 4 MB measured), so
// a body the server does not read stays partly unsent.
const HELD_BYTES = 16 * 1024 * 1024;

const patch = (url: string, signal?: AbortSignal) =>
  new Request(url, {
    method: "PATCH",
    headers: {
      "Tus-Resumable": "1.0.0",
      "Upload-Offset": "0",
      "Content-Type": "application/offset+octet-stream",
    },
    signal,
  });

describe("countedSend", () => {
  test("counts the bytes handed over while the server has not read them", async () => {
    await using server = await holdingServer();
    const body = new Uint8Array(HELD_BYTES);
    const calls: number[] = [];
    const sending = countedSend(patch(server.url), body, (n) => calls.push(n));
    const stalled = await settled(() => calls.at(-1) ?? 0);
    assert.ok(stalled > 0 && stalled < body.length, `stalled at ${stalled}`);
    assert.ok(server.requests[0]!.received < body.length);
    server.release();
    const response = await sending;
    assert.equal(response.status, 204);
    assert.equal(calls.at(-1), body.length);
    assert.ok(increasing(calls), "onSent values only grow");
    const headers = server.requests[0]!.headers;
    assert.equal(headers["content-length"], String(body.length));
    assert.equal(headers["transfer-encoding"], undefined);
    assert.equal(server.requests[0]!.received, body.length);
  });

  test("sends exactly the body, with Content-Length, to the tus server", async () => {
    await using server = await startTusServer();
    const created = await fetch(server.url, {
      method: "POST",
      headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "300000" },
    });
    await created.body?.cancel();
    const url = new URL(created.headers.get("Location")!, server.url).href;
    const bytes = randomBytes(300_000, 7);
    const calls: number[] = [];
    const response = await countedSend(patch(url), bytes, (n) => calls.push(n));
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("Upload-Offset"), "300000");
    await response.body?.cancel();
    assert.deepEqual(server.bytesOf(url), bytes);
    const logged = server.requests.find((r) => r.method === "PATCH")!;
    assert.equal(logged.headers["content-length"], "300000");
    assert.equal(logged.headers["transfer-encoding"], undefined);
    assert.equal(calls.at(-1), bytes.length);
  });

  test("an empty body goes out with Content-Length: 0", async () => {
    await using server = await holdingServer();
    server.release();
    const response = await countedSend(
      patch(server.url),
      new Uint8Array(0),
      () => {},
    );
    assert.equal(response.status, 204);
    assert.equal(server.requests[0]!.headers["content-length"], "0");
  });

  test("an abort mid-body rejects with the abort reason", async () => {
    await using server = await holdingServer();
    const controller = new AbortController();
    const reason = new Error("stop now");
    const sending = countedSend(
      patch(server.url, controller.signal),
      new Uint8Array(HELD_BYTES),
      () => {},
    );
    await settled(() => server.requests.length);
    controller.abort(reason);
    await assert.rejects(sending, (error) => error === reason);
  });

  test("an abort while the answer body is read errors that body", async () => {
    await using server = await startTusServer();
    server.faults.stallBodyNext({ method: "PATCH" });
    const controller = new AbortController();
    const response = await countedSend(
      patch(`${server.url}none`, controller.signal),
      new Uint8Array(10),
      () => {},
    );
    assert.equal(response.status, 500);
    const reason = new Error("enough");
    const reading = response.arrayBuffer();
    controller.abort(reason);
    await assert.rejects(reading, (error) => error === reason);
  });

  test("a refused connection is a TypeError caused by ECONNREFUSED", async () => {
    const port = await closedPort();
    const error = await countedSend(
      patch(`http://127.0.0.1:${port}/files/x`),
      new Uint8Array(10),
      () => {},
    ).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof TypeError, String(error));
    assert.equal(networkCauseCode(error), "ECONNREFUSED");
  });

  test("a redirect is refused when the request's redirect is error", async () => {
    await using server = await holdingServer((_, response) => {
      response.writeHead(307, { Location: "/elsewhere" });
      response.end();
    });
    server.release();
    const request = new Request(patch(server.url), { redirect: "error" });
    await assert.rejects(
      countedSend(request, new Uint8Array(10), () => {}),
      TypeError,
    );
  });

  test("the answer's status, headers and body can be read", async () => {
    await using server = await holdingServer((_, response) => {
      response.writeHead(409, { "X-Why": "offset" });
      response.end("wrong offset");
    });
    server.release();
    const response = await countedSend(
      patch(server.url),
      new Uint8Array(10),
      () => {},
    );
    assert.equal(response.status, 409);
    assert.equal(response.headers.get("X-Why"), "offset");
    assert.equal(await response.text(), "wrong offset");
  });
});
