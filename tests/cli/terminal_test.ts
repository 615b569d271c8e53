/**
 * The CLI in a real pseudo-terminal (util-linux `script`), as a person sees
 * it: the bar drawn in place, never wider than the terminal, and messages
 * on lines of their own.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import { sha256, tempFile } from "../_helpers.ts";
import {
  barWidths,
  cliCommand,
  RUNTIME,
  visibleSegments,
} from "./_cli_helpers.ts";

const HAS_SCRIPT = spawnSync("script", ["--version"]).status === 0;

function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs the CLI in a terminal `columns` wide and resolves to everything the
 * terminal received (stdout and stderr together, as a person sees them).
 */
function inTerminal(
  args: string[],
  columns: number,
  env: Record<string, string> = {},
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, ...cliCommand(), ...args]
    .map(shellWord).join(" ");
  const child = spawn(
    "script",
    ["-qfec", `stty cols ${columns} rows 24; exec ${command}`, "/dev/null"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TUSFLOW_DEBUG: "", TERM: "xterm", ...env },
    },
  );
  let screen = "";
  child.stdout.on("data", (data) => (screen += String(data)));
  child.stderr.on("data", (data) => (screen += String(data)));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, screen }));
  });
}

describe(`tusflow in a terminal (${RUNTIME})`, {
  skip: HAS_SCRIPT ? false : "util-linux script is not installed",
}, () => {
  test("the bar is redrawn in place, several times, never wider than the terminal", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(400_000, "holiday.mov");
    // 25 chunks of 16 KiB, 40 ms each: a second of redraws.
    server.faults.latency(40, { method: "PATCH" });
    for (const columns of [100, 50]) {
      const { code, screen } = await inTerminal(
        ["upload", file.path, "-e", server.url, "-c", "16K"],
        columns,
      );
      assert.equal(code, 0, screen);
      const widths = barWidths(screen);
      assert.ok(widths.length >= 3, `redrawn in place: ${screen}`);
      assert.ok(
        Math.max(...widths) < columns,
        `${columns} columns: bars of ${widths.join(", ")}`,
      );
      const segments = visibleSegments(screen);
      const bars = segments.filter((s) => /%/.test(s));
      assert.match(
        bars.at(-1)!,
        /100\.0% +390\.6 KiB(\/390\.6 KiB)? +\S+ \S+\/s( avg \S+ \S+\/s)? eta 0:00/,
      );
      if (columns === 100) {
        assert.match(bars.at(-1)!, /^holiday\.mov \[#+\] /, "label and bar");
        assert.match(bars.at(-1)!, / avg \S+ \S+\/s eta 0:00/);
      }
      const url = segments.find((s) => s.startsWith(`${file.path}\thttp`))
        ?.split("\t")[1];
      assert.ok(url, `the result line stands alone: ${screen}`);
      assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
      assert.ok(
        segments.some((s) => /^Done: holiday\.mov, 390\.6 KiB in \d/.test(s)),
        screen,
      );
    }
  });

  test("-q draws nothing but the result", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(50_000);
    const { code, screen } = await inTerminal(
      ["upload", file.path, "-e", server.url, "-c", "16K", "-q"],
      80,
    );
    assert.equal(code, 0, screen);
    assert.match(screen, /^\S+\thttp:\/\/\S+\r?\n$/);
  });

  test("a retry is a line of its own above the bar [needs onRetry]", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(100_000);
    server.faults.latency(30, { method: "PATCH" });
    server.faults.failNext({
      status: 500,
      method: "PATCH",
      body: "maintenance: storage backend unavailable",
    });
    const { code, screen } = await inTerminal(
      [
        "upload",
        file.path,
        "-e",
        server.url,
        "-c",
        "16K",
        "--retry-delay",
        "300ms",
      ],
      120,
    );
    assert.equal(code, 0, screen);
    const segments = visibleSegments(screen);
    assert.ok(
      segments.some((s) =>
        /^retrying in 0\.\d s \(attempt 1\/3\): server answered 500: maintenance: storage backend unavailable$/
          .test(s)
      ),
      screen,
    );
  });
});
