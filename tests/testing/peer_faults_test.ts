import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Faults, startTusServer } from "../../src/testing/mod.ts";
import { bytes, create, head, patch } from "./_helpers.ts";

const HELLO = bytes("hello world");

describe("loseNextPatchResponse", () => {
  test("stores the whole body, then drops the connection: fetch rejects", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.loseNextPatchResponse();
    server.faults.dropStalePatches(); // a re-sent copy is stale: closed too
    await assert.rejects(patch(url, 0, HELLO), TypeError);
    assert.deepEqual(server.bytesOf(url), HELLO);
    const first = server.requests.find((entry) => entry.method === "PATCH");
    assert.equal(first?.status, 0);
    assert.equal(first?.bodyBytes, HELLO.length);
    assert.equal(server.faults.pending, 0);
  });

  test("leaves refused PATCH requests alone", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.loseNextPatchResponse();
    assert.equal((await patch(url, 5, HELLO)).status, 409);
    assert.equal(server.faults.pending, 1);
    server.faults.dropStalePatches(); // else Deno's own re-send gets a 409
    await assert.rejects(patch(url, 0, HELLO), TypeError);
    assert.equal(server.uploadOf(url)?.complete, true);
  });
});

describe("storeNextPatchThenAnswer", () => {
  test("stores the body and answers the status instead of 204", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    server.faults.storeNextPatchThenAnswer({ status: 409 });
    const answer = await patch(url, 0, bytes("hello"));
    assert.equal(answer.status, 409);
    assert.match(answer.text, /after the bytes were stored/);
    assert.equal(server.uploadOf(url)?.offset, 5);
    assert.equal((await patch(url, 5, bytes(" world"))).status, 204);
    assert.deepEqual(server.bytesOf(url), HELLO);
  });

  test("checks the status", () => {
    const faults = new Faults(() => {});
    assert.throws(
      () => faults.storeNextPatchThenAnswer({ status: 99 }),
      RangeError,
    );
    assert.throws(() => faults.loseNextPatchResponse({ count: 0 }), RangeError);
  });
});

describe("dropStalePatches", () => {
  test("closes a stale PATCH before reading its body, until stopped", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    const stop = server.faults.dropStalePatches();
    assert.equal((await patch(url, 0, bytes("hello"))).status, 204);
    await assert.rejects(patch(url, 0, bytes("hello")), TypeError);
    const stale = server.requests.filter((entry) => entry.status === 0);
    assert.ok(stale.length >= 1);
    assert.ok(stale.every((entry) => entry.bodyBytes < 5), "body not read");
    assert.equal(server.uploadOf(url)?.offset, 5);
    stop();
    assert.equal((await patch(url, 0, bytes("hello"))).status, 409);
    assert.equal((await head(url)).headers.get("Upload-Offset"), "5");
  });
});

describe("refuseKnownUploadLength", () => {
  test("answers 400 to an Upload-Length declared again, even the same", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Defer-Length": "1" });
    server.faults.refuseKnownUploadLength();
    const declared = await patch(url, 0, bytes("hello"), {
      "Upload-Length": "11",
    });
    assert.equal(declared.status, 204);
    const again = await patch(url, 5, bytes(" world"), {
      "Upload-Length": "11",
    });
    assert.equal(again.status, 400);
    assert.match(again.text, /Upload-Length was declared before/);
    const stale = await patch(url, 0, bytes("hello"), {
      "Upload-Length": "11",
    });
    assert.equal(stale.status, 409, "the offset is checked first");
    assert.equal((await patch(url, 5, bytes(" world"))).status, 204);
    assert.deepEqual(server.bytesOf(url), HELLO);
  });
});
