/**
 * The `package.json` that `npm-build.ts` writes: `.` installs xstate only;
 * hono and @hono/node-server, which only `./testing` and `./cli` load, are
 * optional peers; the browser build comes first for `.`.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import {
  bundlePackage,
  type DenoJson,
  entriesOf,
  manifestOf,
} from "../../npm-build.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("npm package.json", () => {
  test("depends on xstate only; hono and @hono/node-server are optional peers", async () => {
    const out = await mkdtemp(join(tmpdir(), "tusflow-manifest-"));
    try {
      const deno: DenoJson = JSON.parse(
        await readFile(join(ROOT, "deno.json"), "utf8"),
      );
      const entries = entriesOf(deno);
      const imports = await bundlePackage(deno, entries, out);
      const manifest = manifestOf(deno, entries, imports, "tusflow") as {
        dependencies: Record<string, string>;
        peerDependencies?: Record<string, string>;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
        exports: Record<string, Record<string, { default: string }>>;
      };
      assert.deepEqual(Object.keys(manifest.dependencies), ["xstate"]);
      assert.deepEqual(Object.keys(manifest.peerDependencies ?? {}).sort(), [
        "@hono/node-server",
        "hono",
      ]);
      assert.deepEqual(manifest.peerDependenciesMeta, {
        "@hono/node-server": { optional: true },
        hono: { optional: true },
      });
      assert.deepEqual([...imports.byEntry.get("./testing")!].sort(), [
        "@hono/node-server",
        "hono",
      ]);
      const main = manifest.exports["."]!;
      assert.deepEqual(Object.keys(main), ["browser", "import", "require"]);
      assert.equal(main.browser!.default, "./esm/mod.browser.js");
      const browser = await readFile(
        join(out, "esm", "mod.browser.js"),
        "utf8",
      );
      // No import of a Node built-in: getBuiltinModule("node:…") calls are fine.
      assert.doesNotMatch(browser, /(?:from\s*|import\s*\(\s*)["']node:/);
    } finally {
      await esbuild.stop();
      await rm(out, { recursive: true, force: true });
    }
  });
});
