/**
 * The browser's `countedSend` (XMLHttpRequest) in headless Chromium: a page
 * on one loopback origin loads `src/runtime/counted_send_browser.ts`, bundled
 * alone, and PATCHes 32 MiB to our tus server on another origin (CORS),
 * through a relay that passes the body on at 8 MiB/s (`_slow_relay.ts`): so
 * Chromium hands the bytes over gradually, `onSent` reports them while no
 * answer has come, then the whole length, then the `Response` (status and
 * exposed headers) resolves. Aborting the signal
 * rejects with its reason; a refused connection rejects with a `TypeError`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as esbuild from "esbuild";
import type { Page } from "playwright-core";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { sha256 } from "../_helpers.ts";
import { repoRoot } from "./_bundle.ts";
import { startSlowRelay } from "./_slow_relay.ts";
import {
  type Chromium,
  launchChromium,
  type PageServer,
  servePage,
  SKIP,
} from "./_page.ts";

if (SKIP) console.log(`skipping the browser test: ${SKIP}`);
/**
 * 32 MiB: loopback socket buffers take several MiB beyond what the relay
 * has read (up to 11 MiB seen here; `tcp_rmem` allows 32), and Chromium's
 * first progress event comes after half a second or more, so a smaller
 * body could be handed over whole before it.
 */
const SIZE = 32 * 1024 * 1024;
const TIMEOUT = { timeout: 60_000 };

/** The bytes the page sends: a pattern both sides compute. */
function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + 7) & 255;
  return bytes;
}

/** What the page saw of one `countedSend` call. */
interface Seen {
  /** `onSent` values, in order. */
  sent: number[];
  /** When each came, in ms since the call (for the log). */
  at: number[];
  /** How many `onSent` calls came before the promise settled. */
  sentBeforeSettled: number;
  status?: number;
  offset?: string | null;
  /** The rejection: its name, message, cause's message, and whether it was the reason. */
  error?: { name: string; message: string; cause?: string; isReason: boolean };
}

/**
 * Runs in the page: sends `size` pattern bytes with `countedSend`, aborting
 * with a reason once `abortAfterSent` bytes were reported (if given).
 */
async function sendInPage(
  args: {
    module: string;
    url: string;
    size: number;
    abortAfterSent?: number;
    credentials?: RequestCredentials;
    whole?: boolean;
  },
): Promise<Seen> {
  const { countedSend } = await import(args.module);
  const body = new Uint8Array(args.size);
  for (let i = 0; i < args.size; i++) body[i] = (i * 131 + 7) & 255;
  const controller = new AbortController();
  const reason = new Error("stopped by the test");
  const seen: Seen = { sent: [], at: [], sentBeforeSettled: 0 };
  const started = performance.now();
  const request = new Request(args.url, {
    method: "PATCH",
    headers: {
      "Tus-Resumable": "1.0.0",
      "Upload-Offset": "0",
      "Content-Type": "application/offset+octet-stream",
    },
    signal: controller.signal,
    credentials: args.credentials ?? "same-origin",
  });
  try {
    const response: Response = await countedSend(
      request,
      body,
      (sent: number) => {
        seen.sent.push(sent);
        seen.at.push(Math.round(performance.now() - started));
        if (args.abortAfterSent !== undefined && sent >= args.abortAfterSent) {
          controller.abort(reason);
        }
      },
      args.whole ? { whole: true } : undefined,
    );
    seen.sentBeforeSettled = seen.sent.length;
    seen.status = response.status;
    seen.offset = response.headers.get("Upload-Offset");
  } catch (error) {
    seen.sentBeforeSettled = seen.sent.length;
    const e = error as Error;
    seen.error = {
      name: e.name,
      message: e.message,
      cause: (e.cause as Error | undefined)?.message,
      isReason: error === reason,
    };
  }
  return seen;
}

async function createUpload(tus: TusServer, length: number): Promise<string> {
  const response = await fetch(tus.url, {
    method: "POST",
    headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(length) },
  });
  await response.body?.cancel();
  assert.equal(response.status, 201);
  return new URL(response.headers.get("Location")!, tus.url).href;
}

describe("countedSend over XMLHttpRequest in headless Chromium", {
  skip: SKIP,
}, () => {
  let browser: Chromium | undefined;
  let pages: PageServer | undefined;
  let page: Page;
  const module = "/counted_send.js";

  before(async () => {
    const root = repoRoot(import.meta.url);
    const built = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [join(root, "src/runtime/counted_send_browser.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "chrome120",
      write: false,
      logLevel: "error",
    });
    await esbuild.stop();
    pages = await servePage("", {
      [module]: [built.outputFiles[0]!.text, "text/javascript"],
      "/blank.html": ["<!doctype html><title>blank</title>", "text/html"],
    });
    browser = await launchChromium("tusflow-counted-send-");
    page = await browser.context.newPage();
    await page.goto(`${pages.origin}/blank.html`);
  });
  after(async () => {
    await browser?.[Symbol.asyncDispose]();
    await pages?.close();
  });

  test(
    "reports bytes as they go out, then the length, then the response",
    TIMEOUT,
    async () => {
      await using tus = await startTusServer({ cutConnections: false });
      const url = await createUpload(tus, SIZE);
      // The body reaches the server at 8 MiB/s: Chromium hands bytes over as
      // fast as the relay (and the socket buffers before it) takes them.
      await using relay = await startSlowRelay(tus.url, {
        bytesPerSecond: 8 << 20,
      });
      const seen = await page.evaluate(sendInPage, {
        module: `${pages!.origin}${module}`,
        url: relay.url(url),
        size: SIZE,
      });
      console.log(
        `onSent: ${seen.sent.map((n, i) => `${n} at ${seen.at[i]} ms`)}`,
      );
      assert.equal(seen.error, undefined, JSON.stringify(seen.error));
      assert.equal(seen.status, 204);
      assert.equal(seen.offset, String(SIZE), "exposed headers are readable");
      assert.equal(seen.sentBeforeSettled, seen.sent.length, "none after");
      assert.equal(seen.sent.at(-1), SIZE, "the last call is the length");
      assert.equal(seen.sent.filter((n) => n === SIZE).length, 1, "once");
      const partial = seen.sent.slice(0, -1);
      assert.ok(
        partial.length > 0 && partial.every((n) => n > 0 && n < SIZE),
        `bytes were reported while the server had not answered: ${seen.sent}`,
      );
      for (let i = 1; i < seen.sent.length; i++) {
        assert.ok(seen.sent[i]! > seen.sent[i - 1]!, `grows: ${seen.sent}`);
      }
      assert.equal(sha256(tus.bytesOf(url)), sha256(pattern(SIZE)));
    },
  );

  test(
    "an abort rejects with the signal's reason and stops the reports",
    TIMEOUT,
    async () => {
      await using tus = await startTusServer({ cutConnections: false });
      const url = await createUpload(tus, SIZE);
      await using relay = await startSlowRelay(tus.url, {
        bytesPerSecond: 8 << 20,
      });
      const seen = await page.evaluate(sendInPage, {
        module: `${pages!.origin}${module}`,
        url: relay.url(url),
        size: SIZE,
        abortAfterSent: 1,
      });
      assert.equal(seen.status, undefined, "no response");
      assert.equal(seen.error?.isReason, true, JSON.stringify(seen.error));
      assert.equal(
        seen.sent.length,
        1,
        `no report after the abort: ${seen.sent}`,
      );
      assert.ok(seen.sent[0]! < SIZE);
      assert.equal(seen.sentBeforeSettled, seen.sent.length);
    },
  );

  test("a refused connection rejects with a TypeError whose cause says what XHR saw", async () => {
    const tus = await startTusServer({ cutConnections: false });
    const url = await createUpload(tus, 10);
    await tus.close();
    const seen = await page.evaluate(sendInPage, {
      module: `${pages!.origin}${module}`,
      url,
      size: 10,
    });
    assert.equal(seen.error?.name, "TypeError", JSON.stringify(seen.error));
    assert.match(seen.error?.message ?? "", /^Cannot send request: /);
    assert.match(seen.error?.cause ?? "", /XMLHttpRequest failed/);
    assert.deepEqual(seen.sent, [], "nothing was reported as sent");
  });

  test("credentials: include sends cookies, so a server answering with origin * is refused", async () => {
    await using tus = await startTusServer({ cutConnections: false });
    const url = await createUpload(tus, 10);
    const seen = await page.evaluate(sendInPage, {
      module: `${pages!.origin}${module}`,
      url,
      size: 10,
      credentials: "include" as const,
    });
    // CORS forbids credentials with Access-Control-Allow-Origin: *.
    assert.equal(seen.error?.name, "TypeError", JSON.stringify(seen));
    assert.equal(tus.uploads()[0]?.offset, 0, "nothing was stored");
  });

  test("with { whole: true } fetch sends the body and onSent comes once, with the answer", async () => {
    await using tus = await startTusServer({ cutConnections: false });
    const url = await createUpload(tus, 1 << 20);
    const seen = await page.evaluate(sendInPage, {
      module: `${pages!.origin}${module}`,
      url,
      size: 1 << 20,
      whole: true,
    });
    assert.equal(seen.status, 204, JSON.stringify(seen.error));
    assert.deepEqual(seen.sent, [1 << 20]);
    assert.equal(sha256(tus.bytesOf(url)), sha256(pattern(1 << 20)));
  });
});
