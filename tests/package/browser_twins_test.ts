/**
 * The browser twins of the Node-only modules: the same value exports as
 * the module each replaces, and a clear error instead of the work.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BROWSER_LEFT_OUT, BROWSER_VARIANTS } from "../../npm-build.ts";
import { insecureFetch } from "../../src/runtime/tls_browser.ts";
import { openRangeFile } from "../../src/runtime/file_browser.ts";
import { FileUrlStorage } from "../../src/storage/file_url_storage_browser.ts";
import { defaultUrlStorage } from "../../src/storage/default_url_storage_browser.ts";
import { WebStorageUrlStorage } from "../../src/storage/web_storage_url_storage.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("browser twins", () => {
  test("export the same values as the modules they replace", async () => {
    for (const [original, twin] of Object.entries(BROWSER_VARIANTS)) {
      const load = (path: string) =>
        import(pathToFileURL(join(ROOT, path)).href) as Promise<
          Record<string, unknown>
        >;
      const [a, b] = await Promise.all([load(original), load(twin)]);
      assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort(), twin);
      for (const name of Object.keys(a)) {
        assert.equal(typeof b[name], typeof a[name], `${twin}: ${name}`);
      }
    }
  });

  test("the machine values' twin leaves out exactly the documented names", async () => {
    const load = (path: string) =>
      import(pathToFileURL(join(ROOT, path)).href) as Promise<
        Record<string, unknown>
      >;
    const { module, twin, names, from } = BROWSER_LEFT_OUT;
    const [a, b] = await Promise.all([load(module), load(twin)]);
    assert.deepEqual(Object.keys(a).sort(), [...names].sort());
    assert.deepEqual(Object.keys(b), []);
    // Where a browser bundle gets them instead: the same objects.
    const deno = JSON.parse(
      await readFile(join(ROOT, "deno.json"), "utf8"),
    ) as { exports: Record<string, string> };
    const machines = await load(deno.exports[from]!);
    for (const name of names) assert.equal(machines[name], a[name], name);
  });

  test("fail clearly where a browser cannot do the work", async () => {
    assert.throws(() => insecureFetch(fetch), {
      message: /^Cannot use verifyTlsCert: false: .*always verifies/,
    });
    await assert.rejects(openRangeFile("/tmp/a.bin"), {
      message: /^Cannot open file \/tmp\/a\.bin: .*pass the File or Blob/,
    });
    assert.throws(() => new FileUrlStorage(), {
      message: /^Cannot create FileUrlStorage: .*WebStorageUrlStorage/,
    });
  });

  test("the default URL storage of a browser is localStorage", {
    skip: "localStorage" in globalThis ? false : "no localStorage here",
  }, () => {
    assert.ok(defaultUrlStorage() instanceof WebStorageUrlStorage);
  });
});
