import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/args.ts";
import { VERSION } from "../../src/cli/mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { tempFile } from "../_helpers.ts";
import { expectedVersion, runCli } from "./_cli_helpers.ts";

describe("tusflow arguments", () => {
  test("bad arguments exit 2 with a message naming the problem, before any request", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(1024);
    const url = server.url;
    const up = (...rest: string[]) => ["upload", file.path, ...rest];
    const cases: [string[], RegExp][] = [
      [[], /^Cannot run tusflow: no command given/],
      [["uplaod"], /unknown command "uplaod"/],
      [["--bogus"], /unknown option "--bogus"/],
      [up(), /^Cannot run upload: --endpoint is missing/],
      [["upload", "--endpoint", url], /<file> is missing/],
      [
        up("--endpoint", "files/"),
        /--endpoint must be an absolute http\(s\) URL/,
      ],
      [up("--endpoint", "ftp://host/files/"), /absolute http\(s\) URL/],
      [
        up("--endpoint", url, "--chunk-size", "0"),
        /--chunk-size must be a size/,
      ],
      [up("--endpoint", url, "--chunk-size", "lots"), /--chunk-size .*"lots"/],
      [up("--endpoint", url, "--chunk-size"), /--chunk-size needs a value/],
      [up("-e", url, "-c"), /--chunk-size needs a value/],
      [up("-e", url, "-c", "--retries", "2"), /--chunk-size needs a value/],
      [up("-e", url, "-Z"), /unknown option "-Z"/],
      [up("-e", url, "-qZ"), /unknown option "-Z"/],
      [up("-endpoint", url), /unknown option "-endpoint": .*--endpoint/],
      [up("-e", url, "--jobs", "0"), /--jobs must be a whole number of/],
      [up("-e", url, "--timeout", "soon"), /--timeout must be a duration/],
      [up("-e", url, "--timeout", "0"), /--timeout must be a duration/],
      [up("-e", url, "--retry-delay", "1y"), /--retry-delay must be a dur/],
      [up("-e", url, "--protocol", "tus2"), /--protocol must be tus-v1 or/],
      [up("-e", url, "-H", "nocolon"), /--header must look like/],
      [up("-e", url, "-m", "=x"), /--metadata must look like key=value/],
      [up("-e", url, "--quiet=1"), /--quiet takes no value/],
      [up("-", "-", "-e", url), /- \(stdin\) can be given once/],
      [
        up("--endpoint", url, "--parallel", "0"),
        /--parallel must be a whole number of at least 1/,
      ],
      [
        up("--endpoint", url, "--retries", "-1"),
        /--retries must be a whole number/,
      ],
      [
        up("--endpoint", url, "--checksum", "md5"),
        /--checksum must be sha1, sha256, sha512 or none/,
      ],
      [
        up("--endpoint", url, "--metadata", "novalue"),
        /--metadata must look like key=value/,
      ],
      [
        up("--endpoint", url, "--metadata", "a=1", "--metadata", "a=2"),
        /"a" twice/,
      ],
      [
        up("--endpoint", url, "--header", "Bad Name: x"),
        /--header must look like "Name: value"/,
      ],
      [
        up("--endpoint", url, "--url-storage", "u.json"),
        /--storage needs --store-url/,
      ],
      [up("--endpoint", url, "--store-url=yes"), /--store-url takes no value/],
      [
        up("--endpoint", url, "--endpoint", url),
        /--endpoint is given more than once/,
      ],
      [up("--endpoint", url, "--url", url), /unknown option "--url"/],
      [
        ["upload", join(file.dir, "missing.bin"), "--endpoint", url],
        /missing\.bin: no such file/,
      ],
      [["upload", file.dir, "--endpoint", url], /is not a regular file/],
      [["resume", file.path], /^Cannot run resume: --url is missing/],
      [
        ["resume", file.path, "--url", url, "--parallel", "2"],
        /unknown option "--parallel"/,
      ],
      [["info"], /<uploadUrl> is missing/],
      [["info", "not a url"], /<uploadUrl> must be an absolute http\(s\) URL/],
      [["delete", url, "--retries", "2"], /unknown option "--retries"/],
      [["server-info", url, url], /expected one <endpoint>, got 2/],
      [
        ["serve", "--port", "70000"],
        /--port must be a port number from 0 to 65535/,
      ],
      [["serve", "now"], /unexpected argument "now"/],
      [["serve", "-port", "x"], /--port must be a port number/],
      [["serve", "--max-size", "big"], /--max-size must be a size/],
      [["serve", "--expires", "-1"], /--expires needs a value|--expires must/],
      [["serve", "--base-path", "files"], /--base-path must start with \//],
      [["serve", "--endpoint", url], /unknown option "--endpoint"/],
      [["stored", "--clear", "--remove", "k"], /--clear and --remove exclude/],
      [["stored", "x"], /unexpected argument "x"/],
      [["stored", "--remove"], /--remove needs a value/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      const shown = JSON.stringify(args);
      assert.equal(run.code, 2, `${shown}: ${run.stderr}`);
      assert.match(run.stderr, message, shown);
      // One line, naming the problem, pointing at the help.
      assert.match(
        run.stderr,
        /^Cannot run [^\n]+ \(see tusflow( \S+)? --help\)\n$/,
        shown,
      );
      assert.equal(run.stdout, "", shown);
    }
    assert.deepEqual(server.requests, [], "no request was sent");
  });

  test("short flags, repeated flags and durations parse as their long forms", () => {
    const url = "http://127.0.0.1:1080/files/";
    const short = parseCommandLine([
      "upload",
      "a.bin",
      "-",
      "b.bin",
      "-e",
      url,
      "-c8M",
      "-H",
      "Authorization: Bearer t",
      "-H",
      "X-Trace: 1",
      "-m",
      "owner=ada",
      "-qv",
      "-j",
      "2",
      "--timeout",
      "1.5s",
      "--retry-delay=200ms",
      "--retries",
      "5",
      "--protocol",
      "ietf-draft",
    ]);
    assert.deepEqual(short, {
      kind: "upload",
      files: ["a.bin", "-", "b.bin"],
      endpoint: url,
      transfer: {
        quiet: true,
        verbose: true,
        headers: { Authorization: "Bearer t", "X-Trace": "1" },
        timeoutMs: 1500,
        protocol: "ietf-draft",
        chunkSize: 8 * 1024 * 1024,
        retries: 5,
        retryDelayMs: 200,
        checksum: undefined,
      },
      parallel: undefined,
      jobs: 2,
      metadata: { owner: "ada" },
      urlStorage: null,
    });
    const long = parseCommandLine([
      "upload",
      "a.bin",
      "--endpoint",
      url,
      "--chunk-size",
      "8M",
      "--quiet",
      "--timeout",
      "30",
    ]);
    assert.equal(long.kind === "upload" && long.transfer.chunkSize, 8 << 20);
    assert.equal(long.kind === "upload" && long.transfer.timeoutMs, 30_000);
  });

  test("serve takes tusd's single-dash spellings; TUSFLOW_DEBUG=1 means -v", () => {
    const tusd = parseCommandLine([
      "serve",
      "-port",
      "0",
      "-host=0.0.0.0",
      "-upload-dir",
      "/tmp/up",
      "-max-size",
      "1G",
      "-base-path",
      "/uploads",
      "-expires",
      "30m",
    ]);
    assert.deepEqual(tusd, {
      kind: "serve",
      port: 0,
      host: "0.0.0.0",
      dir: "/tmp/up",
      basePath: "/uploads",
      maxSize: 1024 ** 3,
      expiresInMs: 30 * 60_000,
      verbose: false,
    });
    const debug = parseCommandLine(["info", "http://h/files/1"], {
      TUSFLOW_DEBUG: "1",
    });
    assert.equal(debug.kind === "info" && debug.connection.verbose, true);
    const stored = parseCommandLine(["stored", "--remove", "k::e"]);
    assert.deepEqual(stored, {
      kind: "stored",
      storage: ".tus_urls.json",
      action: { kind: "remove", key: "k::e" },
    });
  });

  test("a bad --header never echoes its value", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(16);
    const run = await runCli([
      "upload",
      file.path,
      "--endpoint",
      server.url,
      "--header",
      "Authorization Bearer s3cret-token",
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /got no colon/);
    assert.doesNotMatch(run.stderr, /s3cret/);
    assert.equal(server.requests.length, 0);
  });

  test("--help prints the overview on stdout and exits 0", async () => {
    for (const args of [["--help"], ["-h"], ["help"]]) {
      const run = await runCli(args);
      assert.equal(run.code, 0);
      assert.equal(run.stderr, "");
      assert.match(run.stdout, /^tusflow: resumable uploads/);
      for (
        const command of [
          "upload",
          "resume",
          "info",
          "delete",
          "server-info",
          "serve",
          "stored",
        ]
      ) {
        assert.match(run.stdout, new RegExp(`tusflow ${command} `));
      }
    }
  });

  test("<command> --help wins over bad arguments and shows that command's options", async () => {
    const upload = await runCli(["upload", "--chunk-size", "0", "--help"]);
    assert.equal(upload.code, 0);
    assert.match(
      upload.stdout,
      /^Usage: tusflow upload <file>\.\.\. -e <endpoint>/,
    );
    for (
      const option of [
        "--chunk-size",
        "--parallel",
        "--store-url",
        "--storage",
        "-m, --metadata",
        "-H, --header",
        "-c, --chunk-size",
        "-e, --endpoint",
        "-j, --jobs",
        "-q, --quiet",
        "-v, --verbose",
        "--retries",
        "--retry-delay",
        "--timeout",
        "--protocol",
        "--checksum",
      ]
    ) {
      assert.match(upload.stdout, new RegExp(option));
    }
    const serve = await runCli(["help", "serve"]);
    assert.equal(serve.code, 0);
    assert.match(
      serve.stdout,
      /--port <n>[\s\S]*--host <address>[\s\S]*--dir <path>/,
    );
    const stored = await runCli(["stored", "-h"]);
    assert.match(stored.stdout, /^Usage: tusflow stored/);
    const unknown = await runCli(["help", "nope"]);
    assert.equal(unknown.code, 2);
  });

  test("--version prints the version of deno.json (the built package's on Node)", async () => {
    assert.equal(VERSION, expectedVersion());
    for (const flag of ["--version", "-V"]) {
      const run = await runCli([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, `tusflow ${VERSION}\n`);
    }
  });

  test("sizes accept bytes and binary or decimal units", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(10_000);
    const patches = async (size: string) => {
      const before = server.requests.length;
      const run = await runCli([
        "upload",
        file.path,
        "--endpoint",
        server.url,
        "--chunk-size",
        size,
      ]);
      assert.equal(run.code, 0, run.stderr);
      return server.requests.slice(before).filter((r) => r.method === "PATCH")
        .map((r) => r.bodyBytes);
    };
    assert.deepEqual(await patches("4096"), [4096, 4096, 1808]);
    assert.deepEqual(await patches("4K"), [4096, 4096, 1808]);
    assert.deepEqual(await patches("4KiB"), [4096, 4096, 1808]);
    assert.deepEqual(await patches("5kb"), [5000, 5000]);
    assert.deepEqual(await patches("1M"), [10_000]);
  });
});
