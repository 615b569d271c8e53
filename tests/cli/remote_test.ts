import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes } from "../_helpers.ts";
import { runCli } from "./_cli_helpers.ts";

async function partialUpload(endpoint: string): Promise<string> {
  const client = new TusClient(endpoint, { chunkSize: 4 });
  return await client.uploadFile({
    fileStream: randomBytes(10),
    metadata: { name: "notes.txt", kind: "text" },
    stopAt: 4,
  });
}

describe("tusflow info, delete, server-info", () => {
  test("info prints offset, length, complete, metadata and expiresAt as JSON", async () => {
    await using server = await startTusServer({ expiresInMs: 60_000 });
    const url = await partialUpload(server.url);
    const run = await runCli(["info", url]);
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(info), [
      "offset",
      "length",
      "complete",
      "metadata",
      "expiresAt",
    ]);
    assert.equal(info.offset, 4);
    assert.equal(info.length, 10);
    assert.equal(info.complete, false);
    assert.deepEqual(info.metadata, { name: "notes.txt", kind: "text" });
    const expires = Date.parse(info.expiresAt);
    assert.ok(expires > Date.now() && expires <= Date.now() + 61_000);
  });

  test("info sends --header and reports a missing upload with its status, exit 1", async () => {
    await using server = await startTusServer();
    const missing = new URL("nothing-here", server.url).href;
    const run = await runCli(["info", missing, "--header", "X-Api-Key: k1"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Cannot \S.*404/);
    assert.equal(run.stdout, "");
    assert.equal(server.requests[0]?.headers["x-api-key"], "k1");
  });

  test("delete terminates the upload; deleting it again still exits 0", async () => {
    await using server = await startTusServer();
    const url = await partialUpload(server.url);
    const first = await runCli(["delete", url]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, "");
    assert.match(first.stderr, /^Deleted /);
    const deletes = server.requests.filter((r) => r.method === "DELETE");
    assert.equal(deletes[0]?.status, 204);
    const again = await runCli(["delete", url]);
    assert.equal(again.code, 0, again.stderr);
    const info = await runCli(["info", url]);
    assert.equal(info.code, 1);
    assert.match(info.stderr, /Cannot .*(404|410)/);
  });

  test("delete against a server without termination exits 1 with the status", async () => {
    await using server = await startTusServer({ extensions: ["creation"] });
    const url = await partialUpload(server.url);
    const run = await runCli(["delete", url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Cannot .*\b(4\d\d)\b/);
  });

  test("server-info prints the capabilities as JSON", async () => {
    await using server = await startTusServer({
      maxSize: 5000,
      checksumAlgorithms: ["sha256"],
    });
    const run = await runCli(["server-info", server.url]);
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout);
    assert.equal(info.version, "1.0.0");
    assert.deepEqual(info.versions, ["1.0.0"]);
    assert.ok(info.extensions.includes("concatenation"));
    assert.equal(info.maxSize, 5000);
    assert.deepEqual(info.checksumAlgorithms, ["sha256"]);
    assert.deepEqual(server.requests.map((r) => r.method), ["OPTIONS"]);
  });

  test("server-info against a closed port exits 1 with a Cannot message", async () => {
    const server = await startTusServer();
    const endpoint = server.url;
    await server.close();
    const run = await runCli(["server-info", endpoint]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Cannot read server capabilities/);
  });

  test("a failed answer names its status code", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 503, method: "OPTIONS" });
    const run = await runCli(["server-info", server.url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Cannot .*503/);
  });
});
