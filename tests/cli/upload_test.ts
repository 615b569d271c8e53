import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import { requestsOf, sha256, tempFile } from "../_helpers.ts";
import { barWidths, runCli, urlOf, waitUntil } from "./_cli_helpers.ts";

describe("tusflow upload and resume in-process", () => {
  test("upload sends the file with metadata, headers and checksum, and prints the URL", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(40_000, "report.pdf");
    const run = await runCli([
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--chunk-size=16KiB",
      "--metadata",
      "owner=ada",
      "--metadata",
      "note=a=b",
      "--header",
      "X-Trace: t-1",
      "--checksum",
      "sha256",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const url = urlOf(run.stdout);
    assert.equal(run.stdout, `${file.path}\t${url}\n`);
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.deepEqual(server.uploadOf(url)?.metadata, {
      owner: "ada",
      note: "a=b",
      filename: "report.pdf",
    });
    const patches = requestsOf(server.requests, "PATCH");
    assert.deepEqual(patches.map((p) => p.bodyBytes), [16384, 16384, 7232]);
    for (const request of server.requests) {
      assert.equal(request.headers["x-trace"], "t-1");
    }
    for (const patch of patches) {
      assert.match(patch.headers["upload-checksum"] ?? "", /^sha256 /);
    }
    const lines = run.stderr.trim().split("\n");
    assert.match(lines[0]!, /^Uploading report\.pdf \(39\.1 KiB\) to /);
    // Off a terminal: a line per 10 % step at most (here one per chunk).
    const progress = lines.filter((l) => l.startsWith("progress "));
    assert.ok(progress.length >= 1 && progress.length <= 4, run.stderr);
    assert.match(lines.at(-2)!, /^progress report\.pdf 100\.0% /);
    assert.match(lines.at(-1)!, /^Done: report\.pdf, 39\.1 KiB in /);
  });

  test("--checksum none sends no Upload-Checksum; --retries rides over failures", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(5000);
    server.faults.failNext({
      status: 503,
      count: 2,
      method: "PATCH",
      retryAfter: "0",
    });
    const run = await runCli([
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--checksum",
      "none",
      "--retries",
      "2",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const patches = requestsOf(server.requests, "PATCH");
    assert.deepEqual(patches.map((p) => p.status), [503, 503, 204]);
    assert.ok(patches.every((p) => p.headers["upload-checksum"] === undefined));
  });

  test("a chunk failing after its retries exits 1 with a Cannot message and the status", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(5000);
    server.faults.failNext({ status: 500, count: Infinity, method: "PATCH" });
    const run = await runCli([
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--retries",
      "0",
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\nCannot send chunk at offset 0: .*500/);
  });

  test("--parallel splits the file into partial uploads joined by concatenation", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(30_000);
    const run = await runCli([
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--parallel",
      "3",
      "--chunk-size",
      "4K",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const url = urlOf(run.stdout);
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    const posts = requestsOf(server.requests, "POST");
    assert.equal(
      posts.filter((p) => p.headers["upload-concat"] === "partial").length,
      3,
    );
    assert.match(posts.at(-1)?.headers["upload-concat"] ?? "", /^final;/);
  });

  test("--store-url remembers the URL: the same file again sends no byte", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(8000);
    const storage = join(file.dir, "urls.json");
    const args = [
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--store-url",
      "--url-storage",
      storage,
    ];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    const stored = JSON.parse(await readFile(storage, "utf8"));
    assert.deepEqual(Object.values(stored), [urlOf(first.stdout)]);
    const patches = requestsOf(server.requests, "PATCH").length;
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(requestsOf(server.requests, "PATCH").length, patches);
    assert.equal(requestsOf(server.requests, "POST").length, 1);
  });

  test("an abort mid-upload exits 130, prints the URL, and resume finishes it [needs onUploadUrlAvailable]", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(64 * 1024);
    const stopDelay = server.faults.latency(20, { method: "PATCH" });
    const stop = new AbortController();
    const running = runCli(
      ["upload", file.path, "--endpoint", server.url, "--chunk-size", "4096"],
      { signal: stop.signal },
    );
    await waitUntil(() => requestsOf(server.requests, "PATCH").length >= 3);
    stop.abort();
    const interrupted = await running;
    stopDelay();
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const [upload] = server.uploads();
    assert.ok(upload && upload.offset >= 3 * 4096 && upload.offset < 64 * 1024);
    assert.equal(interrupted.stdout, `${file.path}\t${upload.url}\n`);
    assert.match(
      interrupted.stderr,
      /Interrupted after \d+\.\d KiB of 64\.0 KiB\. Resume with: tusflow resume \S+ --url http/,
    );

    const resumed = await runCli([
      "resume",
      file.path,
      "--url",
      upload.url,
      "--chunk-size",
      "16K",
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stdout, `${file.path}\t${upload.url}\n`);
    assert.match(resumed.stderr, /^Resuming upload\.bin \(64\.0 KiB\) at http/);
    assert.equal(sha256(server.bytesOf(upload.url)), sha256(file.bytes));
    assert.equal(requestsOf(server.requests, "POST").length, 1);
  });

  test("an abort before the upload exists says there is nothing to resume", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(1000);
    const run = await runCli(
      ["upload", file.path, "--endpoint", server.url],
      { signal: AbortSignal.abort() },
    );
    assert.equal(run.code, 130);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /nothing to resume/);
  });

  test("resume of an unknown upload exits 1 with its status", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(1000);
    const url = new URL("gone", server.url).href;
    const run = await runCli(["resume", file.path, "--url", url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\nCannot .*404/);
    assert.equal(run.stdout, "", "a gone upload is not offered for resuming");
    assert.doesNotMatch(run.stderr, /Resume with/);
  });

  test("on a terminal, the bar is redrawn in place and never wider than it", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(12_000);
    for (const columns of [120, 60, 30, 12]) {
      const run = await runCli(
        ["upload", file.path, "--endpoint", server.url, "--chunk-size", "4000"],
        { tty: true, columns },
      );
      assert.equal(run.code, 0, run.stderr);
      const widths = barWidths(run.stderr);
      assert.ok(Math.max(...widths) < columns, `${columns}: ${widths}`);
      const bars = run.stderr.split("\r").filter((t) => /\d%/.test(t));
      assert.ok(bars.length >= 1, run.stderr);
      assert.match(bars.at(-1)!, /100\.0%/);
      assert.ok(
        run.stderr.includes("\x1b[K\nDone: upload.bin, "),
        "the bar's line ends",
      );
      assert.doesNotMatch(run.stderr, /progress /);
    }
  });

  test("-q prints only the result line", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(12_000);
    for (const tty of [true, false]) {
      const run = await runCli(
        ["upload", file.path, "-e", server.url, "-c", "4000", "-q"],
        { tty },
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, "");
      assert.match(run.stdout, /^\S+\thttp:\/\/\S+\n$/);
    }
  });
});
