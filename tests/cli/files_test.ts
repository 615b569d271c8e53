import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  closedPort,
  randomBytes,
  requestsOf,
  sha256,
  tempFile,
} from "../_helpers.ts";
import { RUNTIME, spawnCli, urlOf } from "./_cli_helpers.ts";

/** `<file>\t<url>` lines of stdout, as a map. */
function resultLines(stdout: string): Map<string, string> {
  const lines = stdout.trim().split("\n").filter(Boolean);
  return new Map(lines.map((line) => line.split("\t") as [string, string]));
}

describe(`tusflow upload of several files and stdin (${RUNTIME} process)`, () => {
  test("several files, two at a time: one <file>\\t<url> line each, exit 0", async () => {
    await using server = await startTusServer();
    await using first = await tempFile(70_000, "a.bin");
    const others = [join(first.dir, "b.bin"), join(first.dir, "c.bin")];
    const contents = [randomBytes(30_000, 2), randomBytes(5, 3)];
    await writeFile(others[0]!, contents[0]!);
    await writeFile(others[1]!, contents[1]!);
    const run = await spawnCli([
      "upload",
      first.path,
      ...others,
      "-e",
      server.url,
      "-c",
      "16K",
      "--jobs",
      "2",
      "-m",
      "batch=7",
    ]).exited;
    assert.equal(run.code, 0, run.stderr);
    const lines = resultLines(run.stdout);
    assert.deepEqual([...lines.keys()].sort(), [first.path, ...others].sort());
    assert.equal(
      sha256(server.bytesOf(lines.get(first.path)!)),
      sha256(first.bytes),
    );
    for (const [i, path] of others.entries()) {
      assert.equal(
        sha256(server.bytesOf(lines.get(path)!)),
        sha256(contents[i]!),
      );
      assert.equal(server.uploadOf(lines.get(path)!)?.metadata.batch, "7");
    }
    assert.match(
      run.stderr,
      /^Uploading 3 files \(97\.7 KiB\) to http\S+, 2 at a time\n/,
    );
    assert.match(run.stderr, /\nDone: b\.bin, 29\.3 KiB in /);
  });

  test("one file failing: the others still go, exit 1, the failure named by file", async () => {
    await using server = await startTusServer();
    await using first = await tempFile(1000, "first.bin");
    const second = join(first.dir, "second.bin");
    await writeFile(second, randomBytes(2000, 4));
    server.faults.failNext({ status: 507, method: "POST", body: "disk full" });
    const run = await spawnCli([
      "upload",
      first.path,
      second,
      "-e",
      server.url,
      "--retries",
      "0",
    ]).exited;
    assert.equal(run.code, 1, run.stderr);
    const lines = resultLines(run.stdout);
    assert.deepEqual([...lines.keys()], [second]);
    assert.match(run.stderr, /\nfirst\.bin: Cannot create upload\b.*507/);
    assert.match(run.stderr, /\nDone: second\.bin, /);
  });

  test("- uploads stdin as a stream of deferred length", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(100_000, 9);
    const run = await spawnCli(["upload", "-", "-e", server.url, "-c", "16K"], {
      stdin: bytes,
    }).exited;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^-\thttp:\/\/\S+\n$/);
    const url = urlOf(run.stdout);
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const [post] = requestsOf(server.requests, "POST");
    assert.equal(post?.headers["upload-defer-length"], "1");
    assert.match(run.stderr, /^Uploading stdin to http/);
  });

  test("a refused connection names its cause, exit 1", async () => {
    await using file = await tempFile(1000);
    const endpoint = `http://127.0.0.1:${await closedPort()}/files/`;
    // A refused POST never reached the server: it may be retried.
    const run = await spawnCli([
      "upload",
      file.path,
      "-e",
      endpoint,
      "--retries",
      "1",
      "--retry-delay",
      "10ms",
    ]).exited;
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /\nCannot [^\n]*\bECONNREFUSED\b[^\n]*\n$/,
    );
  });

  test("an unknown flag: exit 2, one line naming it, nothing sent", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(1000);
    const run = await spawnCli([
      "upload",
      file.path,
      "-e",
      server.url,
      "--chunksize",
      "1M",
    ]).exited;
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      'Cannot run upload: unknown option "--chunksize" (see tusflow upload --help)\n',
    );
    assert.equal(server.requests.length, 0);
  });
});

describe(`tusflow upload when the server fails (${RUNTIME} process)`, () => {
  test("a failed chunk still prints <file>\\t<url> and the resume command [needs error.uploadUrl]", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(50_000);
    server.faults.failNext({ status: 500, method: "PATCH", count: 1 });
    const run = await spawnCli([
      "upload",
      file.path,
      "-e",
      server.url,
      "-c",
      "16K",
      "--retries",
      "0",
    ]).exited;
    assert.equal(run.code, 1, run.stderr);
    const [upload] = server.uploads();
    assert.ok(upload, "the upload was created");
    assert.equal(run.stdout, `${file.path}\t${upload.url}\n`);
    assert.match(
      run.stderr,
      new RegExp(
        `\\nResume with: tusflow resume ${file.path} --url ${upload.url}\\n$`,
      ),
    );
    const resumed = await spawnCli(["resume", file.path, "--url", upload.url])
      .exited;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(sha256(server.bytesOf(upload.url)), sha256(file.bytes));
  });

  test("every retry says how long it waits and why, with the body [needs onRetry]", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(20_000);
    server.faults.failNext({
      status: 500,
      method: "PATCH",
      count: 2,
      body: "maintenance: storage backend unavailable",
    });
    const run = await spawnCli([
      "upload",
      file.path,
      "-e",
      server.url,
      "--retries",
      "3",
      "--retry-delay",
      "20ms",
    ]).exited;
    assert.equal(run.code, 0, run.stderr);
    const retries = run.stderr.match(/^retrying in .*$/gm) ?? [];
    assert.equal(retries.length, 2, run.stderr);
    assert.match(
      retries[0]!,
      /^retrying in \d+\.\d s \(attempt 1\/3\): server answered 500: maintenance: storage backend unavailable$/,
    );
    assert.match(retries[1]!, /\(attempt 2\/3\): server answered 500: /);
  });

  test("-v and TUSFLOW_DEBUG=1 log each request and response [needs logger]", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(20_000);
    const runs = [
      await spawnCli(["upload", file.path, "-e", server.url, "-v"]).exited,
      await spawnCli(["upload", file.path, "-e", server.url], {
        env: { TUSFLOW_DEBUG: "1" },
      }).exited,
    ];
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stderr,
        /^> POST http:\/\/127\.0\.0\.1:\d+\/files\/.*upload-length: 20000/m,
      );
      assert.match(
        run.stderr,
        /^< 201 POST http\S+ \(\d+ ms\)\s+.*location: http/m,
      );
      assert.match(run.stderr, /^> PATCH http\S+\s+upload-offset: 0/m);
      assert.match(
        run.stderr,
        /^< 204 PATCH http\S+ \(\d+ ms\)\s+upload-offset: 20000/m,
      );
    }
    const quiet = await spawnCli(["upload", file.path, "-e", server.url])
      .exited;
    assert.doesNotMatch(quiet.stderr, /^> /m);
  });
});
