/**
 * The browser bundle of `import { TusClient } from "@tusflow/client"`, as a
 * browser app's bundler makes it from the npm package's `browser` condition:
 * esbuild `--bundle --minify --platform=browser --format=esm --splitting`,
 * then gzip. What a page loads first is the initial chunk: the entry and
 * the chunks it imports statically; what `import()` loads later (the
 * draft's adapter, parallel uploads, the uploader) is counted in the total.
 * Size assertions, not timing ones, and a check that no Node-only module is
 * in any chunk.
 *
 * @module
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { BROWSER_VARIANTS, browserVariants } from "../../npm-build.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Min+gz budgets in bytes (each chunk gzipped alone, as it is served). The
 * goal is 20 KiB for the initial chunk (tus-js-client: 15.8 KiB). Through
 * `mod.ts` it holds 38.6 KiB: `mod.ts` exports `Uploader`, `uploadMachine`
 * and `parallelUploadMachine` as values, so the machines and xstate (about
 * 12.5 KiB of it) load with the entry. `TusClient` alone loads them with
 * the first upload: 14.6 KiB. All chunks: 43.6 KiB. Each budget is what is
 * reached plus a little, so that it can only shrink.
 */
const BUDGET = {
  mod: { initial: 39.5 * 1024, total: 45 * 1024 },
  client: { initial: 15.5 * 1024, total: 45 * 1024 },
};

interface Size {
  minified: number;
  gzipped: number;
}

interface Built {
  initial: Size;
  total: Size;
  /** Bytes of each source in the initial chunk, by path from the root. */
  initialInputs: Record<string, number>;
  /** Every source in any chunk. */
  allInputs: string[];
}

/** Bundles `entry` as an app would, and sizes its initial chunk and all. */
async function buildBrowserBundle(entry: string): Promise<Built> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    stdin: { contents: entry, resolveDir: ROOT, loader: "ts" },
    bundle: true,
    minify: true,
    splitting: true,
    platform: "browser",
    format: "esm",
    outdir: join(ROOT, "bundle-size-out"),
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [browserVariants(ROOT)],
  });
  const code = new Map(
    result.outputFiles.map((f) => [relative(ROOT, f.path), f.contents]),
  );
  const outputs = result.metafile.outputs;
  const start = Object.keys(outputs).find((path) =>
    outputs[path]!.entryPoint === "<stdin>"
  )!;
  const initial = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (initial.has(path)) continue;
    initial.add(path);
    for (const imported of outputs[path]!.imports) {
      if (imported.kind === "import-statement" && !imported.external) {
        pending.push(imported.path);
      }
    }
  }
  const size = (paths: Iterable<string>): Size => {
    let minified = 0;
    let gzipped = 0;
    for (const path of paths) {
      const bytes = code.get(relative(ROOT, join(ROOT, path)))!;
      minified += bytes.length;
      gzipped += gzipSync(bytes).length;
    }
    return { minified, gzipped };
  };
  const initialInputs: Record<string, number> = {};
  for (const path of initial) {
    for (
      const [input, { bytesInOutput }] of Object.entries(
        outputs[path]!.inputs,
      )
    ) {
      const name = relative(ROOT, join(ROOT, input));
      initialInputs[name] = (initialInputs[name] ?? 0) + bytesInOutput;
    }
  }
  const allInputs = Object.values(outputs).flatMap((o) =>
    Object.keys(o.inputs).map((input) => relative(ROOT, join(ROOT, input)))
  );
  return {
    initial: size(initial),
    total: size(Object.keys(outputs)),
    initialInputs,
    allInputs,
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const show = (size: Size) =>
  `${kib(size.gzipped)} min+gz (${kib(size.minified)} min)`;

function report(what: string, built: Built): void {
  const xstate = Object.entries(built.initialInputs)
    .filter(([path]) => path.includes("node_modules/xstate/"))
    .reduce((sum, [, bytes]) => sum + bytes, 0);
  const largest = Object.entries(built.initialInputs)
    .filter(([path]) => !path.includes("node_modules/"))
    .sort((a, b) => b[1] - a[1]).slice(0, 8)
    .map(([path, bytes]) => `${path} ${kib(bytes)}`).join(", ");
  console.log(
    `browser bundle of ${what}: initial chunk ${show(built.initial)}, ` +
      `all chunks ${show(built.total)}; xstate in the initial chunk ${
        kib(xstate)
      } min; largest of ours there: ${largest}`,
  );
}

function assertWithin(built: Built, budget: typeof BUDGET.mod): void {
  const nodeOnly = built.allInputs.filter((path) =>
    path in BROWSER_VARIANTS ||
    /runtime\/(file_lock|atomic_write)\.ts$/.test(path)
  );
  assert.deepEqual(nodeOnly, [], "Node-only modules in the bundle");
  assert.ok(
    built.initial.gzipped <= budget.initial,
    `Cannot stay within the budget: initial chunk ${
      kib(built.initial.gzipped)
    } > ${kib(budget.initial)}`,
  );
  assert.ok(
    built.total.gzipped <= budget.total,
    `Cannot stay within the budget: all chunks ${kib(built.total.gzipped)} > ${
      kib(budget.total)
    }`,
  );
}

describe("browser bundle", () => {
  test("TusClient from the package entry stays within the budget, without Node-only code", async () => {
    try {
      const built = await buildBrowserBundle(
        'import { TusClient } from "./mod.ts"; console.log(TusClient);',
      );
      report("TusClient from mod.ts", built);
      assertWithin(built, BUDGET.mod);
    } finally {
      await esbuild.stop();
    }
  });

  test("TusClient alone loads the uploader, its machines and xstate with the first upload", async () => {
    try {
      const built = await buildBrowserBundle(
        'import { TusClient } from "./src/client.ts"; console.log(TusClient);',
      );
      report("TusClient from src/client.ts", built);
      const deferred = Object.keys(built.initialInputs).filter((path) =>
        /node_modules\/xstate\/|machines\/(upload|parallel)|src\/ietf\/draft_adapter\.ts$/
          .test(path)
      );
      assert.deepEqual(deferred, [], "loaded with the client, not on use");
      assertWithin(built, BUDGET.client);
    } finally {
      await esbuild.stop();
    }
  });
});
