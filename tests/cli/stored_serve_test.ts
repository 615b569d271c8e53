import assert from "node:assert/strict";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import { sha256, tempFile } from "../_helpers.ts";
import { runCli, RUNTIME, spawnCli, urlOf } from "./_cli_helpers.ts";

describe("tusflow stored", () => {
  test("lists what --store-url remembered, removes one key, clears the rest", async () => {
    await using server = await startTusServer();
    await using first = await tempFile(3000, "one.bin");
    await using second = await tempFile(5000, "two.bin");
    const storage = join(first.dir, "urls.json");
    const up = (path: string) =>
      runCli([
        "upload",
        path,
        "-e",
        server.url,
        "--store-url",
        "--storage",
        storage,
      ]);
    const urls = [urlOf((await up(first.path)).stdout)];
    urls.push(urlOf((await up(second.path)).stdout));

    const listed = await runCli(["stored", "--storage", storage]);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split("\n").map((l) => l.split("\t"));
    assert.deepEqual(lines.map(([, url]) => url), urls);
    for (const [key] of lines) assert.match(key!, /^size:\d+--sha256:/);
    assert.equal(listed.stderr, `2 stored URLs in ${storage}\n`);

    const key = lines[0]![0]!;
    const removed = await runCli([
      "stored",
      "--storage",
      storage,
      "--remove",
      key,
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(
      Object.values(JSON.parse(await readFile(storage, "utf8"))),
      [urls[1]],
    );
    const again = await runCli([
      "stored",
      "--storage",
      storage,
      "--remove",
      key,
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^Cannot remove "size:.*": no such key in /);

    const cleared = await runCli(["stored", "--storage", storage, "--clear"]);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(cleared.stderr, `Forgot 1 URL in ${storage}\n`);
    const empty = await runCli(["stored", "--storage", storage]);
    assert.equal(empty.stdout, "");
    assert.equal(empty.stderr, `0 stored URLs in ${storage}\n`);
  });

  test("a missing storage file lists nothing; a corrupt one exits 1 naming it", async () => {
    await using file = await tempFile(1);
    const missing = await runCli([
      "stored",
      "--storage",
      join(file.dir, "none.json"),
    ]);
    assert.equal(missing.code, 0, missing.stderr);
    assert.equal(missing.stdout, "");
    const corrupt = await runCli(["stored", "--storage", file.path]);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /^Cannot read URL storage .*upload\.bin/);
  });
});

describe(`tusflow serve --dir (${RUNTIME} process)`, () => {
  test("keeps uploads in files, logs requests with -v, and a restart still knows them", async () => {
    await using file = await tempFile(300_000, "scan.tif");
    const dir = join(file.dir, "store");
    const start = () =>
      spawnCli([
        "serve",
        "-port",
        "0",
        "--dir",
        dir,
        "--base-path",
        "/up/",
        "--max-size",
        "1M",
        "--expires",
        "1h",
        "-v",
      ]);
    const serve = start();
    let url: string;
    try {
      const endpoint = await serve.firstLine;
      assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/up\/$/);
      const run = await runCli([
        "upload",
        file.path,
        "-e",
        endpoint,
        "-c",
        "64K",
      ]);
      assert.equal(run.code, 0, run.stderr);
      url = urlOf(run.stdout);
      const id = url.split("/").at(-1)!;
      assert.equal((await stat(join(dir, `${id}.bin`))).size, 300_000);
      assert.equal(
        sha256(new Uint8Array(await readFile(join(dir, `${id}.bin`)))),
        sha256(file.bytes),
      );
      const info = await runCli(["server-info", endpoint]);
      assert.equal(JSON.parse(info.stdout).maxSize, 1024 * 1024);
      serve.kill("SIGTERM");
      const exited = await serve.exited;
      assert.equal(exited.code, 0, exited.stderr);
      assert.match(exited.stderr, new RegExp(`uploads in ${dir}`));
      assert.match(exited.stderr, /^POST \/up\/ 201 \d+ ms +location: http/m);
      assert.match(
        exited.stderr,
        new RegExp(
          `^PATCH /up/${id} 204 64\\.0 KiB in \\d+ ms +upload-offset: 65536$`,
          "m",
        ),
      );
      assert.deepEqual((await readdir(dir)).sort(), [
        `${id}.bin`,
        `${id}.json`,
      ]);
    } finally {
      serve.kill("SIGKILL");
    }
    const restarted = start();
    try {
      const endpoint = await restarted.firstLine;
      const same = new URL(new URL(url).pathname, endpoint).href;
      const info = await runCli(["info", same]);
      assert.equal(info.code, 0, info.stderr);
      assert.equal(JSON.parse(info.stdout).offset, 300_000);
      assert.equal(JSON.parse(info.stdout).complete, true);
    } finally {
      restarted.kill("SIGKILL");
      await restarted.exited;
    }
  });
});
