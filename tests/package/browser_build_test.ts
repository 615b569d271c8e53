/**
 * The browser build of the package, run: `esm/mod.browser.js` and
 * `esm/machines.browser.js` of a freshly built package, imported as they
 * are (xstate beside them). They export every value of `mod.ts` and
 * `machines/mod.ts` but the documented exception (the machines, left out of
 * `.`), and `TusClient`, `Uploader` (whose machine loads when it opens) and
 * the error classes work against the test server. Deno and Bun, which can
 * import the build without a browser; Chromium runs the same code through
 * `tests/browser/`. XMLHttpRequest and `localStorage` are not used here.
 *
 * @module
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { BROWSER_LEFT_OUT } from "../../npm-build.ts";
import * as mod from "../../mod.ts";
import * as machines from "../../machines/mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import {
  installBuiltPackage,
  type InstalledPackage,
} from "./_built_package.ts";

const SKIP = process.versions.deno || process.versions.bun
  ? false
  : "builds the package from the sources (Deno and Bun run it)";

describe("the browser build of the package", { skip: SKIP }, () => {
  let installed: InstalledPackage;
  let browser: typeof mod;
  let browserMachines: typeof machines;

  before(async () => {
    installed = await installBuiltPackage();
    await esbuild.stop();
    const load = (file: string) =>
      import(pathToFileURL(join(installed.packageDir, "esm", file)).href);
    browser = await load("mod.browser.js");
    browserMachines = await load("machines.browser.js");
  });
  after(async () => {
    await installed?.[Symbol.asyncDispose]();
  });

  test("exports the values of mod.ts but the machines, which come from ./machines", () => {
    const leftOut: readonly string[] = BROWSER_LEFT_OUT.names;
    assert.deepEqual(
      Object.keys(browser).sort(),
      Object.keys(mod).filter((name) => !leftOut.includes(name)).sort(),
    );
    assert.deepEqual(
      Object.keys(browserMachines).sort(),
      Object.keys(machines).sort(),
    );
    assert.ok("uploading" in browserMachines.uploadMachine.root.states);
    assert.ok(
      "concatenating" in browserMachines.parallelUploadMachine.root.states,
    );
  });

  test("TusClient uploads, and an error is an instance of the entry's class", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(70_000, 7);
    const client = new browser.TusClient(server.url, { chunkSize: 16_384 });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.equal((await client.getUploadInfo(url)).offset, bytes.length);
    // Thrown in the lazily loaded machine chunk, caught as the entry's class.
    await assert.rejects(
      client.resumeUpload({
        fileStream: bytes,
        uploadUrl: new URL("missing", server.url).href,
      }),
      (error) => error instanceof browser.TusCommunicationError,
    );
  });

  test("Uploader reads the same before it opens, loads its machine on open and uploads chunk by chunk", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(50_000, 8);
    const uploader = new browser.Uploader({
      endpoint: server.url,
      fileStream: bytes,
      chunkSize: 20_000,
    });
    assert.equal(uploader.state, "unopened");
    assert.equal(uploader.offset, 0);
    assert.equal(uploader.url, null);
    assert.equal(uploader.isComplete, false);
    assert.ok(uploader.stats instanceof browser.UploadStats);
    assert.equal(uploader.stats.uploadedBytes, 0);
    await uploader.open();
    assert.equal(uploader.state, "ready");
    assert.match(uploader.url ?? "", /^http:/);
    const offsets: number[] = [];
    for (let i = 0; i < 10 && await uploader.uploadChunk(); i++) {
      offsets.push(uploader.offset);
    }
    assert.deepEqual(offsets, [20_000, 40_000]);
    assert.equal(uploader.isComplete, true);
    assert.equal(uploader.state, "done");
    assert.equal(uploader.stats.uploadedBytes, bytes.length);
    await uploader.close();
    assert.equal(sha256(server.bytesOf(uploader.url!)), sha256(bytes));
    await using reopened = await browser.Uploader.open({
      url: uploader.url!,
      fileStream: bytes,
    });
    assert.equal(reopened.offset, bytes.length);
    assert.equal(reopened.isComplete, true);
  });
});
