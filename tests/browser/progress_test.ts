/**
 * Per-byte progress in a browser: tusflow, bundled as the browser condition
 * serves it (so PATCH bodies go out through `XMLHttpRequest`), resumes a
 * 32 MiB upload in one chunk through a relay that passes the body to our tus
 * server at 8 MiB/s. `onProgress` must report bytes on their way
 * (`sentBytes` above `uploadedBytes`, below the size) before the server
 * confirms the chunk, and the server must hold the file's bytes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";
import { type BrowserBundle, bundleForBrowser, repoRoot } from "./_bundle.ts";
import {
  type Chromium,
  launchChromium,
  servePage,
  SKIP,
  waitForState,
} from "./_page.ts";
import { startSlowRelay } from "./_slow_relay.ts";

if (SKIP) console.log(`skipping the browser test: ${SKIP}`);
/** Larger than what loopback socket buffers take before the relay reads. */
const SIZE = 32 * 1024 * 1024;

describe("per-byte progress in headless Chromium", { skip: SKIP }, () => {
  let bundle: BrowserBundle;
  let browser: Chromium | undefined;

  before(async () => {
    bundle = await bundleForBrowser(repoRoot(import.meta.url));
    browser = await launchChromium("tusflow-progress-");
  });
  after(async () => {
    await browser?.[Symbol.asyncDispose]();
  });

  test("onProgress reports bytes in flight inside one chunk", {
    timeout: 60_000,
  }, async () => {
    await using tus = await startTusServer({ cutConnections: false });
    const bytes = randomBytes(SIZE, 5);
    const file = join(browser!.profile, "progress.bin");
    await writeFile(file, bytes);
    const created = await fetch(tus.url, {
      method: "POST",
      headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(SIZE) },
    });
    await created.body?.cancel();
    const url = new URL(created.headers.get("Location")!, tus.url).href;
    await using relay = await startSlowRelay(tus.url, {
      bytesPerSecond: 8 << 20,
    });
    const pageServer = await servePage(bundle.code, bundle.chunks);
    const page = await browser!.context.newPage();
    try {
      const query = new URLSearchParams({
        endpoint: tus.url,
        mode: "manual",
        chunkSize: String(SIZE),
        uploadUrl: relay.url(url),
      });
      await page.goto(`${pageServer.origin}/?${query}`);
      await waitForState(page, `d.state === "ready"`);
      await page.setInputFiles("#file", file);
      const done = await waitForState(
        page,
        `d.state === "done" || d.state === "failed"`,
        50_000,
      );
      assert.equal(done.state, "done", await page.textContent("#status") ?? "");
      console.log(`in flight (sent/uploaded): ${done.inFlight}`);
      const reports = (done.inFlight ?? "").split(",").filter(Boolean)
        .map((pair) => pair.split("/").map(Number) as [number, number]);
      assert.ok(
        reports.some(([sent, uploaded]) =>
          uploaded === 0 && sent > 0 && sent < SIZE
        ),
        `a report inside the chunk, before the server confirmed it: ${done.inFlight}`,
      );
      assert.equal(sha256(tus.bytesOf(url)), sha256(bytes));
    } finally {
      await page.close();
      await pageServer.close();
    }
  });
});
