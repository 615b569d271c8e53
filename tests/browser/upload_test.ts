/**
 * tusflow in a real browser: Debian's headless Chromium, driven by
 * playwright-core, loads a page served on loopback that uploads a `File`
 * (set through `<input type=file>`) to the Hono tus server on another origin
 * (CORS), showing its progress. The page is reloaded mid-upload; after the
 * reload the same file is chosen again and the upload resumes where the
 * server stopped. The stored bytes must equal the file's.
 *
 * Chromium is `/usr/bin/chromium` (or `TUSFLOW_CHROMIUM`); `.ci/install-chromium.sh`
 * installs it. A missing Chromium fails the test, unless
 * `TUSFLOW_SKIP_BROWSER_IF_MISSING=1`. The screenshot goes to
 * `$TMPDIR/tusflow-browser/` (or `TUSFLOW_SCREENSHOT_DIR`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import { type BrowserBundle, bundleForBrowser, repoRoot } from "./_bundle.ts";
import {
  type Chromium,
  launchChromium,
  nodeBuiltinsUsed,
  PROBE_NOISE,
  SCREENSHOTS,
  servePage,
  SKIP,
  waitForState,
} from "./_page.ts";

if (SKIP) console.log(`skipping the browser test: ${SKIP}`);
const SIZE = 3 * 1024 * 1024 + 123; // 13 PATCHes of 256 KiB
const CHUNK = 256 * 1024;

describe("tusflow in headless Chromium", { skip: SKIP }, () => {
  let bundle: BrowserBundle;
  let browser: Chromium | undefined;
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    bundle = await bundleForBrowser(repoRoot(import.meta.url));
    browser = await launchChromium("tusflow-chromium-");
    context = browser.context;
    profile = browser.profile;
  });
  after(async () => {
    await browser?.[Symbol.asyncDispose]();
  });

  for (const mode of ["storeUrl", "manual"] as const) {
    test(`uploads a File, is reloaded mid-upload and resumes (${mode})`, async () => {
      await using tus = await startTusServer();
      // A page server per test: its own origin, so its own localStorage.
      const pageServer = await servePage(bundle.code, bundle.chunks);
      const page = await context.newPage();
      try {
        const problems: string[] = [];
        page.on("pageerror", (error) => problems.push(error.message));
        page.on("console", (message) => {
          if (message.type() === "error") problems.push(message.text());
        });
        await runScenario(page, tus, mode, `${pageServer.origin}/`, problems);
      } finally {
        await page.close();
        await pageServer.close();
      }
    });
  }

  async function runScenario(
    page: Page,
    tus: TusServer,
    mode: string,
    origin: string,
    problems: string[],
  ): Promise<void> {
    const bytes = randomBytes(SIZE, 23);
    // A file on disk: Chromium reads it itself (a buffer would cross the
    // DevTools protocol as base64, seconds for a few MiB).
    const file = join(profile, `browser-upload-${mode}.bin`);
    await writeFile(file, bytes);
    const query = new URLSearchParams({
      endpoint: tus.url,
      mode,
      chunkSize: String(CHUNK),
    });
    const pageUrl = `${origin}?${query}`;

    // First visit: the upload starts, slowed down, and the page is reloaded
    // part-way, as a person closing the tab would.
    const slow = tus.faults.latency(200, { method: "PATCH" });
    await page.goto(pageUrl);
    await waitForState(page, `d.state === "ready"`);
    await page.setInputFiles("#file", file);
    const before = await waitForState(
      page,
      `Number(d.uploaded) >= ${SIZE / 4}`,
    );
    assert.equal(before.total, String(SIZE));
    assert.deepEqual(await nodeBuiltinsUsed(page), [], "before the reload");
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({
      path: join(SCREENSHOTS, `resumed-upload-${mode}-before-reload.png`),
    });
    await page.reload();
    slow();
    // The page script awaits its bundle, so the load event can come before
    // it has filled #stored: wait for the page to say it is ready.
    await waitForState(page, `d.state === "ready"`);
    const stored = await page.textContent("#stored");
    assert.ok(
      stored?.startsWith(tus.url),
      `the URL survived the reload: ${stored}`,
    );
    const held = tus.uploads()[0]?.offset ?? 0;
    assert.ok(held > 0 && held < SIZE, `the server holds part of it (${held})`);

    // Second visit: the same file again; the upload resumes.
    const resumedAt = tus.requests.length;
    await page.setInputFiles("#file", file);
    const done = await waitForState(
      page,
      `d.state === "done" || d.state === "failed"`,
    );
    assert.equal(done.state, "done", await page.textContent("#status") ?? "");
    await page.waitForFunction(
      `document.querySelector("progress")?.value === 100`,
    );

    const uploads = tus.uploads();
    assert.equal(uploads.length, 1, "one upload was created, then resumed");
    assert.equal(done.url, uploads[0]?.url);
    assert.equal(
      Number(done.resumedFrom) > 0,
      true,
      "resumed from a held offset",
    );
    assert.equal(sha256(tus.bytesOf(done.url ?? "")), sha256(bytes));
    const after = tus.requests.slice(resumedAt);
    assert.ok(!after.some((r) => r.method === "POST"), "no second creation");
    const firstPatch = after.find((r) => r.method === "PATCH");
    assert.ok(
      Number(firstPatch?.headers["upload-offset"]) > 0,
      "no byte sent twice from 0",
    );
    assert.equal(await page.textContent("#percent"), "100%");

    // No node:* module was used on the File path.
    assert.deepEqual(
      await nodeBuiltinsUsed(page),
      [],
      `node builtins used in the browser (bundle stubs ${
        bundle.stubbed.join(", ")
      })`,
    );
    // sha256.ts probes `import("node:crypto")` before its pure fallback;
    // Chromium logs that refused import as an error: expected, not a fault.
    const unexpected = problems.filter((text) => !PROBE_NOISE.test(text));
    assert.deepEqual(unexpected, [], "no page errors");

    const shot = join(SCREENSHOTS, `resumed-upload-${mode}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
  }
});
