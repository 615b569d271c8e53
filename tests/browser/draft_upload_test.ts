/**
 * The resumable-upload draft in a real browser: Debian's headless Chromium,
 * driven by playwright-core, loads a page served on loopback that uploads a
 * `File` with `protocol: "ietf-draft"` to the draft server on another origin
 * (CORS). `fetch` cannot see 104 interim responses, so the client must create
 * carefully: an empty POST with `Upload-Complete: ?0`, then appends of
 * `application/partial-upload`. The page is reloaded mid-upload and, the same
 * file chosen again, the upload resumes where the server stopped. The stored
 * bytes must equal the file's, and the server must have seen no violation of
 * the draft.
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
import {
  type DraftRequestLogEntry,
  type DraftServer,
  startDraftServer,
} from "../../src/testing/mod.ts";
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

if (SKIP) console.log(`skipping the draft browser test: ${SKIP}`);
const SIZE = 3 * 1024 * 1024 + 321; // 13 appends of 256 KiB
const CHUNK = 256 * 1024;
const PARTIAL = "application/partial-upload";
// A page's upload takes about 2 s; more than Bun's 5 s default on a busy machine.
const TIMEOUT = { timeout: 60_000 };

/** Resolves once the server handles no request, polling every 10 ms, at most 500 times. */
async function quiet(server: DraftServer): Promise<void> {
  for (let i = 0; i < 500 && server.inFlight > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(server.inFlight, 0, "the server went quiet");
}

/** The server's request log, one line a request, for failure messages. */
function trace(server: DraftServer): string {
  const t0 = server.requests[0]?.startedAt ?? 0;
  const lines = server.requests.map((r) =>
    `${r.startedAt - t0}ms ${r.method} ${r.status} offset=${
      r.headers["upload-offset"] ?? "-"
    } complete=${
      r.headers["upload-complete"] ?? "-"
    } body=${r.bodyBytes} ${r.durationMs}ms`
  );
  const violations = server.violations.map((v) => `${v.rule}: ${v.message}`);
  return ["", ...lines, ...violations].join("\n");
}

/** Asserts what every request of the draft client must look like in a browser. */
function assertDraftShaped(server: DraftServer, bytes: Uint8Array): void {
  const requests: readonly DraftRequestLogEntry[] = server.requests;
  const posts = requests.filter((r) => r.method === "POST");
  assert.equal(posts.length, 1, "one creation");
  const post = posts[0]!;
  assert.equal(post.status, 201);
  assert.equal(post.headers["upload-complete"], "?0", "careful creation");
  assert.equal(post.bodyBytes, 0, "the creation carried no body");
  assert.ok(
    (post.headers["content-length"] ?? "0") === "0",
    `no body announced: ${post.headers["content-length"]}`,
  );
  assert.equal(post.headers["upload-draft-interop-version"], "9");
  // The server sent its 104 all the same: Chromium's fetch passed over it.
  assert.deepEqual(post.interim.map((i) => i.status), [104]);

  const patches = requests.filter((r) => r.method === "PATCH");
  assert.ok(patches.length >= Math.ceil(SIZE / CHUNK), `${patches.length}`);
  for (const patch of patches) {
    assert.equal(patch.headers["content-type"], PARTIAL);
    assert.ok(patch.bodyBytes <= CHUNK, `append of ${patch.bodyBytes}`);
  }
  assert.equal(patches.at(-1)?.headers["upload-complete"], "?1");
  assert.ok(
    patches.slice(0, -1).every((p) => p.headers["upload-complete"] === "?0"),
    "only the last append completes the upload",
  );

  for (const r of requests) {
    assert.equal(
      r.headers["tus-resumable"],
      undefined,
      `${r.method} ${r.path}`,
    );
  }
  for (const p of server.preflights) {
    const asked = p.headers["access-control-request-headers"] ?? "";
    assert.ok(!/tus-resumable/i.test(asked), `preflight asked for ${asked}`);
  }
  // The browser did preflight: the draft's fields are not CORS-safelisted.
  assert.ok(server.preflights.length > 0, "preflights were sent");
  assert.deepEqual(server.violations, [], `no violation: ${trace(server)}`);

  const upload = server.uploads()[0];
  assert.equal(server.uploads().length, 1);
  assert.equal(upload?.complete, true);
  assert.equal(upload?.length, SIZE);
  assert.equal(
    sha256(server.bytesOf(upload?.url ?? "") ?? new Uint8Array()),
    sha256(bytes),
  ); // deno-fmt-ignore
}

describe("the IETF draft in headless Chromium", { skip: SKIP }, () => {
  let bundle: BrowserBundle;
  let browser: Chromium | undefined;
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    bundle = await bundleForBrowser(repoRoot(import.meta.url));
    browser = await launchChromium("tusflow-chromium-draft-");
    context = browser.context;
    profile = browser.profile;
  });
  after(async () => {
    await browser?.[Symbol.asyncDispose]();
  });

  /** Runs `scenario` on a fresh page with its own origin; page errors are collected. */
  async function onPage(
    server: DraftServer,
    scenario: (page: Page, origin: string) => Promise<void>,
  ): Promise<void> {
    const pageServer = await servePage(bundle.code, bundle.chunks);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    try {
      await scenario(page, `${pageServer.origin}/`).catch((error) => {
        if (error instanceof Error && !error.message.includes("\n0ms ")) {
          error.message += trace(server);
        }
        throw error;
      });
      assert.deepEqual(await nodeBuiltinsUsed(page), [], "no node builtins");
      // sha256.ts probes `import("node:crypto")` before its pure fallback.
      const unexpected = problems.filter((text) => !PROBE_NOISE.test(text));
      assert.deepEqual(unexpected, [], "no page errors");
    } finally {
      await page.close();
      await pageServer.close();
    }
  }

  async function fileOf(name: string): Promise<[string, Uint8Array]> {
    const bytes = randomBytes(SIZE, name.length + 41);
    // A file on disk: Chromium reads it itself, no base64 over DevTools.
    const path = join(profile, name);
    await writeFile(path, bytes);
    return [path, bytes];
  }

  function pageUrl(origin: string, server: DraftServer, mode: string) {
    const query = new URLSearchParams({
      protocol: "ietf-draft",
      endpoint: server.url,
      mode,
      chunkSize: String(CHUNK),
    });
    return `${origin}?${query}`;
  }

  test(
    "uploads a File with a careful creation and partial-upload appends",
    TIMEOUT,
    async () => {
      await using server = await startDraftServer();
      const [file, bytes] = await fileOf("draft-upload.bin");
      await onPage(server, async (page, origin) => {
        await page.goto(pageUrl(origin, server, "storeUrl"));
        await waitForState(page, `d.state === "ready"`);
        await page.setInputFiles("#file", file);
        const done = await waitForState(
          page,
          `d.state === "done" || d.state === "failed"`,
        );
        const status = await page.textContent("#status");
        assert.equal(done.state, "done", `${status}${trace(server)}`);
        assert.equal(done.url, server.uploads()[0]?.url);
        assert.equal(await page.textContent("#percent"), "100%");
        assertDraftShaped(server, bytes);
        await mkdir(SCREENSHOTS, { recursive: true });
        const shot = join(SCREENSHOTS, "draft-upload.png");
        await page.screenshot({ path: shot, fullPage: true });
        console.log(`screenshot: ${shot}`);
      });
    },
  );

  for (const mode of ["storeUrl", "manual"] as const) {
    test(`is reloaded mid-upload and resumes (${mode})`, TIMEOUT, async () => {
      await using server = await startDraftServer();
      const [file, bytes] = await fileOf(`draft-resume-${mode}.bin`);
      await onPage(server, async (page, origin) => {
        const slow = server.faults.latency(200, { method: "PATCH" });
        await page.goto(pageUrl(origin, server, mode));
        await waitForState(page, `d.state === "ready"`);
        await page.setInputFiles("#file", file);
        const before = await waitForState(
          page,
          `Number(d.uploaded) >= ${SIZE / 4}`,
        );
        assert.equal(before.total, String(SIZE));
        await page.reload();
        slow();
        await waitForState(page, `d.state === "ready"`);
        // The PATCH the reload abandoned may still be under the latency at
        // the server: a person choosing the file again takes longer than
        // that, and otherwise the new page's HEAD could be answered before
        // that request lands (an offset mismatch the client would recover
        // from, but the server would log as the old request's violation).
        await quiet(server);
        const stored = await page.textContent("#stored");
        assert.ok(
          stored?.startsWith(server.url),
          `the URL survived the reload: ${stored}`,
        );
        const held = server.uploads()[0]?.offset ?? 0;
        assert.ok(held > 0 && held < SIZE, `the server holds part (${held})`);

        const resumedAt = server.requests.length;
        await page.setInputFiles("#file", file);
        const done = await waitForState(
          page,
          `d.state === "done" || d.state === "failed"`,
        );
        const status = await page.textContent("#status");
        assert.equal(done.state, "done", `${status}${trace(server)}`);
        assert.equal(done.url, server.uploads()[0]?.url);
        assert.ok(Number(done.resumedFrom) > 0, "resumed from a held offset");
        const later = server.requests.slice(resumedAt);
        assert.ok(!later.some((r) => r.method === "POST"), "no 2nd creation");
        const firstPatch = later.find((r) => r.method === "PATCH");
        assert.ok(
          Number(firstPatch?.headers["upload-offset"]) > 0,
          "no byte sent twice from 0",
        );
        assertDraftShaped(server, bytes);
        await mkdir(SCREENSHOTS, { recursive: true });
        const shot = join(SCREENSHOTS, `draft-resumed-upload-${mode}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        console.log(`screenshot: ${shot}`);
      });
    });
  }
});
