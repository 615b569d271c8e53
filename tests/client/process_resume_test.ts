import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startTusServer } from "../../src/testing/mod.ts";
import { requestsOf, sha256, tempFile } from "../_helpers.ts";

const FIXTURE = fileURLToPath(
  new URL("./upload_process_fixture.ts", import.meta.url),
);

/** Runs the fixture with the current runtime (`deno run -A` or `bun`). */
function uploadInProcess(args: string[]) {
  const runtimeArgs = "Deno" in globalThis ? ["run", "-A", FIXTURE] : [FIXTURE];
  const child = spawn(process.execPath, [...runtimeArgs, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data) => (stdout += String(data)));
  child.stderr.on("data", (data) => (stderr += String(data)));
  const exited = new Promise<
    { code: number | null; stdout: string; stderr: string }
  >(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    },
  );
  return { child, exited };
}

describe("resume across processes", () => {
  test("a process killed mid-upload is resumed by the next one from the stored URL", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(64 * 1024);
    const storage = join(file.dir, "urls.json");
    const args = [server.url, file.path, storage, String(4096)];
    const stopDelay = server.faults.latency(40, { method: "PATCH" });

    const first = uploadInProcess(args);
    for (
      let i = 0;
      i < 400 && requestsOf(server.requests, "PATCH").length < 3;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    first.child.kill("SIGKILL");
    const killed = await first.exited;
    assert.notEqual(
      killed.code,
      0,
      `first process was not killed: ${killed.stderr}`,
    );
    const [upload] = server.uploads();
    assert.ok(
      upload && upload.offset > 0 && upload.offset < 64 * 1024,
      `offset ${upload?.offset}`,
    );
    stopDelay();

    const second = await uploadInProcess(args).exited;
    assert.equal(second.code, 0, second.stderr);
    const { url } = JSON.parse(second.stdout.trim().split("\n").at(-1) ?? "{}");
    assert.equal(url, upload.url);
    assert.equal(sha256(server.bytesOf(url)), sha256(file.bytes));
    assert.equal(
      requestsOf(server.requests, "POST").length,
      1,
      "the second process created nothing",
    );
    const resumedFrom = requestsOf(server.requests, "HEAD")[0];
    assert.ok(resumedFrom, "the second process asked the server with HEAD");
  });
});
