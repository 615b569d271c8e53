/**
 * What the browser tests share: where Chromium is and how it starts, the
 * loopback server for the page (page.html, page.js and the bundle), and
 * how the page's state is read.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.TUSFLOW_CHROMIUM ?? "/usr/bin/chromium";
export const MAY_SKIP = process.env.TUSFLOW_SKIP_BROWSER_IF_MISSING === "1";
export const MISSING = !existsSync(CHROMIUM);
export const SKIP = MISSING && MAY_SKIP &&
  `no Chromium at ${CHROMIUM} (TUSFLOW_SKIP_BROWSER_IF_MISSING=1)`;
export const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];
const HERE = new URL(".", import.meta.url);
export const SCREENSHOTS = process.env.TUSFLOW_SCREENSHOT_DIR ??
  join(tmpdir(), "tusflow-browser");
export const PROBE_NOISE =
  /^(Access to script at 'node:crypto' .* blocked by CORS policy|Failed to load resource: net::ERR_FAILED$)/;

export interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves the page, its script and the bundle on a loopback port, and any
 * `extra` files (path to body and content type).
 */
export async function servePage(
  bundle: string,
  extra: Record<string, [string, string]> = {},
): Promise<PageServer> {
  const files: Record<string, [string, string]> = {
    ...extra,
    "/": [await readFile(new URL("page.html", HERE), "utf8"), "text/html"],
    "/page.js": [
      await readFile(new URL("page.js", HERE), "utf8"),
      "text/javascript",
    ],
    "/tusflow.js": [bundle, "text/javascript"],
    "/favicon.ico": ["", "image/x-icon"],
  }; // deno-fmt-ignore
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://x").pathname];
    response.writeHead(file ? 200 : 404, {
      "Content-Type": `${file?.[1] ?? "text/plain"}; charset=utf-8`,
      "Cache-Control": "no-store",
    });
    response.end(file?.[0] ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The page's `data-*` state, once `predicate` holds for it. */
export async function waitForState(
  page: Page,
  predicate: string,
  timeout = 20_000,
): Promise<Record<string, string>> {
  await page.waitForFunction(
    `(() => { const d = document.body.dataset; return ${predicate}; })()`,
    undefined,
    { timeout, polling: 20 },
  );
  return await page.evaluate("({ ...document.body.dataset })") as Record<
    string,
    string
  >;
}

/** What the bundle's `node:*` stubs recorded (see `_bundle.ts`). */
export async function nodeBuiltinsUsed(page: Page): Promise<string[]> {
  return await page.evaluate("globalThis.__tusflowNodeBuiltins ?? []");
}

/** A running headless Chromium with its own throw-away profile. */
export interface Chromium extends AsyncDisposable {
  readonly context: BrowserContext;
  /** The profile directory, removed on dispose: a place for test files. */
  readonly profile: string;
}

/**
 * Starts Chromium with a fresh profile under `$TMPDIR/<prefix>…`.
 *
 * @throws {AssertionError} naming how to install Chromium when it is missing.
 */
export async function launchChromium(prefix: string): Promise<Chromium> {
  assert.ok(
    !MISSING,
    `Cannot run the browser test: no Chromium at ${CHROMIUM}; run .ci/install-chromium.sh, or set TUSFLOW_SKIP_BROWSER_IF_MISSING=1 to skip`,
  );
  const profile = await mkdtemp(join(tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
  });
  return {
    context,
    profile,
    [Symbol.asyncDispose]: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
