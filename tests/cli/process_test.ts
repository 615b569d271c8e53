import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import { requestsOf, sha256, tempFile } from "../_helpers.ts";
import {
  cliCommand,
  runCli,
  RUNTIME,
  spawnCli,
  urlOf,
  waitUntil,
} from "./_cli_helpers.ts";

describe(`tusflow as a ${RUNTIME} process`, () => {
  test("upload sends a file to the server, progress on stderr, URL on stdout", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(300_000, "photo.jpg");
    const run = await spawnCli([
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--chunk-size",
      "64K",
      "--metadata",
      "album=summer",
    ]).exited;
    assert.equal(run.code, 0, run.stderr);
    const url = urlOf(run.stdout);
    assert.equal(run.stdout, `${file.path}\t${url}\n`);
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.deepEqual(server.uploadOf(url)?.metadata, {
      album: "summer",
      filename: "photo.jpg",
    });
    // A pipe gets plain lines, at most one per 10 % (5 chunks here).
    const lines = run.stderr.match(/^progress photo\.jpg .*$/gm) ?? [];
    assert.ok(lines.length >= 1 && lines.length <= 5, run.stderr);
    assert.match(lines.at(-1)!, /100\.0% +293\.0 KiB\/293\.0 KiB/);
    assert.doesNotMatch(run.stderr, /\r/);
  });

  test("progress moves while one big chunk is in flight (sentBytes)", async () => {
    await using server = await startTusServer();
    // The server waits before it reads: the bar can only move by the
    // bytes the connection has taken, not by the server's confirmations.
    server.faults.latency(1500, { method: "PATCH" });
    const size = 48 * 1024 * 1024;
    await using file = await tempFile(size, "video.mp4");
    const run = await spawnCli([
      "upload",
      file.path,
      "-e",
      server.url,
      "-c",
      String(size),
    ]).exited;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256(server.bytesOf(urlOf(run.stdout))), sha256(file.bytes));
    assert.equal(requestsOf(server.requests, "PATCH").length, 1);
    const percents = (run.stderr.match(/^progress video\.mp4 .*$/gm) ?? [])
      .map((line) => Number(/(\d+\.\d)%/.exec(line)?.[1]));
    assert.ok(
      percents.some((p) => p > 0 && p < 100),
      `no line between 0 and 100 %:\n${run.stderr}`,
    );
  });

  test("Ctrl-C mid-upload exits 130 with the URL; resume in a new process finishes it [needs onUploadUrlAvailable]", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(64 * 1024);
    const stopDelay = server.faults.latency(40, { method: "PATCH" });
    const first = spawnCli([
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--chunk-size",
      "4096",
    ]);
    await waitUntil(() => requestsOf(server.requests, "PATCH").length >= 3);
    first.kill("SIGINT");
    const interrupted = await first.exited;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const [upload] = server.uploads();
    assert.ok(upload, "the upload was created");
    assert.equal(interrupted.stdout, `${file.path}\t${upload.url}\n`);
    assert.match(interrupted.stderr, /Resume with: tusflow resume /);
    assert.ok(
      upload.offset > 0 && upload.offset < 64 * 1024,
      `offset ${upload.offset}`,
    );
    stopDelay();

    const second = await spawnCli([
      "resume",
      file.path,
      "--url",
      upload.url,
      "--chunk-size",
      "16K",
    ]).exited;
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `${file.path}\t${upload.url}\n`);
    assert.equal(sha256(server.bytesOf(upload.url)), sha256(file.bytes));
    assert.equal(requestsOf(server.requests, "POST").length, 1);
  });

  test("the program starts with a node shebang (the npm bin on Node)", () => {
    const program = cliCommand().at(-1)!;
    const text = readFileSync(program, "utf8");
    assert.ok(text.startsWith("#!/usr/bin/env node\n"), program);
  });

  test("bad arguments exit 2 without a request", async () => {
    await using server = await startTusServer();
    const run = await spawnCli([
      "upload",
      "nothing.bin",
      "--endpoint",
      server.url,
      "--parallel",
      "x",
    ]).exited;
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^Cannot run upload: --parallel must be a whole number/,
    );
    assert.equal(server.requests.length, 0);
  });

  test("serve prints its endpoint, takes uploads, and stops on SIGTERM", async () => {
    const serve = spawnCli(["serve", "--port", "0"]);
    try {
      const endpoint = await serve.firstLine;
      assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/files\/$/);
      await using file = await tempFile(20_000);
      const run = await runCli(["upload", file.path, "--endpoint", endpoint]);
      assert.equal(run.code, 0, run.stderr);
      const info = await runCli(["info", urlOf(run.stdout)]);
      assert.equal(JSON.parse(info.stdout).complete, true);
      const started = Date.now();
      serve.kill("SIGTERM");
      const exited = await serve.exited;
      assert.equal(exited.code, 0, exited.stderr);
      assert.ok(Date.now() - started < 5000, "bounded shutdown");
      assert.match(
        exited.stderr,
        /listening at http[\s\S]*Stopping the server/,
      );
    } finally {
      serve.kill("SIGKILL");
    }
  });
});
