/**
 * The browser bundle of `import { TusClient } from "@tusflow/client"`, as a
 * browser app's bundler makes it from the npm package's `browser` condition:
 * esbuild `--bundle --minify --platform=browser --format=esm --splitting`,
 * then gzip. Measured from the sources (`mod.ts` with the browser twins) and
 * from the built package installed in a temp dir (its `browser` condition,
 * as an app resolves it). What a page loads first is the initial chunk: the
 * entry and the chunks it imports statically; what `import()` loads later
 * (xstate and the upload machine when an uploader opens, the draft's
 * adapter, parallel uploads, SHA-256) is counted in the total. Size
 * assertions, not timing ones, and a check that no Node-only module is in
 * any chunk.
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
import { installBuiltPackage } from "./_built_package.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Min+gz budgets in bytes (each chunk gzipped alone, as it is served). The
 * goal is 20 KiB for the initial chunk (tus-js-client: 15.8 KiB). Through
 * `mod.ts` it holds 16.9 KiB (it was 38.6 KiB while `Uploader` loaded the
 * machine and `mod.ts`'s browser build exported both machines); the built
 * package's browser build: 17.5 KiB. `TusClient` alone: 13.5 KiB. All
 * chunks: about 45 KiB (xstate and the machines are most of the rest).
 * Each budget is what is reached plus a little, so that it can only shrink.
 */
const BUDGET = {
  mod: { initial: 18 * 1024, total: 47 * 1024 },
  npm: { initial: 18.5 * 1024, total: 47.5 * 1024 },
  client: { initial: 14 * 1024, total: 47 * 1024 },
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
  /** Every file the bundler read, bytes in the output or not. */
  read: string[];
}

/**
 * Bundles `entry` as an app in `root` would, and sizes its initial chunk
 * and all. From the sources, the browser twins replace the Node-only
 * modules; from an installed package, its `browser` condition does.
 */
async function buildBrowserBundle(
  entry: string,
  root = ROOT,
  plugins: esbuild.Plugin[] = [browserVariants(ROOT)],
): Promise<Built> {
  const result = await esbuild.build({
    absWorkingDir: root,
    stdin: { contents: entry, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    splitting: true,
    platform: "browser",
    format: "esm",
    outdir: join(root, "bundle-size-out"),
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins,
  });
  const code = new Map(
    result.outputFiles.map((f) => [relative(root, f.path), f.contents]),
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
      const bytes = code.get(relative(root, join(root, path)))!;
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
      const name = relative(root, join(root, input));
      initialInputs[name] = (initialInputs[name] ?? 0) + bytesInOutput;
    }
  }
  const allInputs = Object.values(outputs).flatMap((o) =>
    Object.keys(o.inputs).map((input) => relative(root, join(root, input)))
  );
  return {
    initial: size(initial),
    total: size(Object.keys(outputs)),
    initialInputs,
    allInputs,
    read: Object.keys(result.metafile.inputs).map((input) =>
      relative(root, join(root, input))
    ),
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const show = (size: Size) =>
  `${kib(size.gzipped)} min+gz (${kib(size.minified)} min)`;

function report(what: string, built: Built): void {
  const xstate = Object.entries(built.initialInputs)
    .filter(([path]) => /node_modules\/xstate\//.test(path))
    .reduce((sum, [, bytes]) => sum + bytes, 0);
  const largest = Object.entries(built.initialInputs)
    .filter(([path]) => !path.includes("node_modules/xstate/"))
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

/** What must not load before the first upload, by source path. */
const DEFERRED =
  /node_modules\/xstate\/|machines\/(upload|parallel)\.ts$|src\/uploader_actor\.ts$|src\/ietf\/draft_adapter\.ts$|src\/runtime\/sha256(_pure)?\.ts$/;

function assertDeferred(built: Built): void {
  const early = Object.keys(built.initialInputs).filter((path) =>
    DEFERRED.test(path)
  );
  assert.deepEqual(early, [], "loaded with the client, not on use");
}

/** Files of the installed package that a bundle took, by their build. */
function packageFiles(built: Built, name: string): string[] {
  const prefix = `node_modules/${name}/`;
  return built.read.filter((path) => path.startsWith(prefix))
    .map((path) => path.slice(prefix.length)).sort();
}

describe("browser bundle", () => {
  test("TusClient from the package entry stays within the budget, without Node-only code", async () => {
    try {
      const built = await buildBrowserBundle(
        'import { TusClient } from "./mod.ts"; console.log(TusClient);',
      );
      report("TusClient from mod.ts", built);
      assertDeferred(built);
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
      assertDeferred(built);
      assertWithin(built, BUDGET.client);
    } finally {
      await esbuild.stop();
    }
  });

  test("TusClient from the built package (browser condition) stays within the budget", async () => {
    try {
      await using installed = await installBuiltPackage();
      const { dir, name } = installed;
      const built = await buildBrowserBundle(
        `import { TusClient } from "${name}"; console.log(TusClient);`,
        dir,
        [],
      );
      report(`TusClient from the built ${name}`, built);
      const xstate = Object.keys(built.initialInputs).filter((path) =>
        path.includes("node_modules/xstate/")
      );
      assert.deepEqual(xstate, [], "xstate loaded with the client");
      assertWithin(built, BUDGET.npm);
      const files = packageFiles(built, name);
      assert.ok(files.includes("esm/mod.browser.js"), files.join(", "));
      assert.deepEqual(
        files.filter((path) => !/\.browser(-[A-Z0-9]+)?\.js$/.test(path)),
        [],
        "files of the Node build in a browser bundle",
      );
      // With the machines too, both entries share the browser build's code.
      const both = await buildBrowserBundle(
        `import { TusClient } from "${name}";
        import { uploadMachine } from "${name}/machines";
        console.log(TusClient, uploadMachine);`,
        dir,
        [],
      );
      const shared = packageFiles(both, name);
      assert.ok(shared.includes("esm/machines.browser.js"), shared.join(", "));
      assert.deepEqual(
        shared.filter((path) => !/\.browser(-[A-Z0-9]+)?\.js$/.test(path)),
        [],
        "files of the Node build in a browser bundle",
      );
    } finally {
      await esbuild.stop();
    }
  });
});
