import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startDraftServer } from "../../src/testing/mod.ts";
import { sha256, tempFile } from "../_helpers.ts";
import { RUNTIME, spawnCli, urlOf } from "./_cli_helpers.ts";

describe(`tusflow --protocol ietf-draft (${RUNTIME} process)`, () => {
  test("uploads a file in appends to a draft server, breaking none of its rules", async () => {
    await using server = await startDraftServer();
    await using file = await tempFile(70_000, "draft.bin");
    const run = await spawnCli([
      "upload",
      file.path,
      "-e",
      server.url,
      "-c",
      "16K",
      "--protocol",
      "ietf-draft",
      "-q",
    ]).exited;
    assert.equal(run.code, 0, run.stderr);
    const url = urlOf(run.stdout);
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.deepEqual(server.violations, []);
    const appends = server.requests.filter((r) => r.method === "PATCH");
    assert.ok(appends.length >= 1, "appends were sent");
    for (const append of appends) {
      assert.equal(
        append.headers["content-type"],
        "application/partial-upload",
      );
      assert.equal(append.headers["tus-resumable"], undefined);
    }
  });

  test("an unknown protocol is refused with exit 2, naming the flag", async () => {
    const run = await spawnCli([
      "upload",
      "whatever.bin",
      "-e",
      "http://127.0.0.1:9/files/",
      "--protocol",
      "tus-v2",
    ]).exited;
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--protocol/);
  });
});
