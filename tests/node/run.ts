/**
 * The Node leg: runs the shared `node:test` suite on Node 20 against the
 * BUILT npm package, imported by its name. Run it after `npm-build.ts`:
 * `deno run -A tests/node/run.ts [--keep] [FILTER…] [-- <node --test flags>]`
 * (`npm run test:node` does both). A FILTER keeps the test files whose path
 * contains it (`client/retry`); `--keep` leaves the temp dir for a look.
 *
 * 1. Every `tests/**\/*.ts` file except `tests/node/` is bundled by esbuild
 *    (target node20, so `await using` is lowered) to the same relative path
 *    in a temp dir, keeping its `.ts` name; Node loads those as JavaScript
 *    through `ts_as_js.mjs`. Other files (`.mjs` fixtures…) are copied.
 * 2. An import that resolves to a `deno.json` export (`mod.ts`,
 *    `src/testing/mod.ts`, …) becomes the external `@tusflow/client[/sub]`,
 *    resolved from `<tmp>/node_modules`, where `@tusflow/client` links to
 *    `npm/` and everything else links to our `node_modules`. Internal modules
 *    a unit test imports directly are bundled from source (listed below).
 * 3. `import.meta.url` in a test file names its place in the temp dir, so
 *    fixtures found relative to it are the bundled ones.
 * 4. `node --test` runs every `*_test.ts` bundle except those in `EXCLUDED`.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { spawn } from "node:child_process";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
} from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const TESTS = join(ROOT, "tests");
const NPM = join(ROOT, "npm");
const NODE = process.env.TUSFLOW_NODE ?? "node";

/**
 * Test files (relative to the repo) that cannot run on Node, with the reason
 * printed on every run. Prefer `test(name, { skip: "reason" }, …)` inside
 * the file; list a file here only when it cannot even load on Node.
 */
const EXCLUDED: Record<string, string> = {
  "tests/package/bundle_size_test.ts":
    "builds the browser bundle from the sources (Deno and Bun run it)",
  "tests/package/browser_twins_test.ts":
    "loads the browser twins from the sources (Deno and Bun run it)",
  "tests/package/npm_manifest_test.ts":
    "runs npm-build.ts on the sources (Deno and Bun run it)",
};

/**
 * The package name and `deno.json` exports, as absolute source path →
 * package specifier (`mod.ts` → `@tusflow/client`).
 */
async function packageEntries(): Promise<
  { name: string; entries: Map<string, string> }
> {
  const deno = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8"));
  const entries = new Map<string, string>();
  for (const [subpath, source] of Object.entries(deno.exports ?? {})) {
    const specifier = subpath === "."
      ? deno.name
      : `${deno.name}/${subpath.slice(2)}`;
    entries.set(join(ROOT, source as string), specifier);
  }
  return { name: deno.name, entries };
}

async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) found.push(...await walk(path));
    else found.push(path);
  }
  return found;
}

/**
 * The temp dir's node_modules: our packages (linked, so that a test and the
 * package share one `xstate`) plus `@tusflow/client` → `npm/`.
 */
async function linkModules(out: string, packageName: string): Promise<void> {
  const modules = join(out, "node_modules");
  const own = join(modules, packageName);
  await mkdir(dirname(own), { recursive: true });
  await symlink(NPM, own, "dir");
  const taken = packageName.split("/")[0];
  for (const item of await readdir(join(ROOT, "node_modules"))) {
    if (item.startsWith(".") || item === taken) continue;
    await symlink(join(ROOT, "node_modules", item), join(modules, item));
  }
}

function mapToPackage(
  entries: Map<string, string>,
  out: string,
): esbuild.Plugin {
  const meta = /\bimport\.meta\.(url|dirname|filename|main)\b/g;
  return {
    name: "tusflow-node-leg",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const specifier = entries.get(join(args.resolveDir, args.path));
        return specifier ? { path: specifier, external: true } : undefined;
      });
      // Where a test file is, as far as import.meta goes: its bundled copy.
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(TESTS + sep)) return undefined;
        const path = join(out, relative(ROOT, args.path));
        const url = pathToFileURL(path).href;
        const source = await readFile(args.path, "utf8");
        const values: Record<string, string> = {
          url: JSON.stringify(url),
          dirname: JSON.stringify(dirname(path)),
          filename: JSON.stringify(path),
          main: `(${JSON.stringify(url)} === ` +
            `__tusflowFileUrl(globalThis.process.argv[1] ?? "").href)`,
        };
        const contents = source.replace(meta, (_, key: string) => values[key]!);
        const prelude = /\bimport\.meta\.main\b/.test(source)
          ? 'import { pathToFileURL as __tusflowFileUrl } from "node:url";\n'
          : "";
        return { contents: prelude + contents, loader: "ts" };
      });
    },
  };
}

interface Bundled {
  tests: string[]; // absolute bundle paths of *_test.ts files to run
  fromSource: Map<string, string[]>; // test → internal modules it bundles
  twice: Map<string, string[]>; // test → modules it has from source AND package
  denoMentions: string[]; // tests whose bundle names Deno.*
}

/** The source modules inside each package entry, by specifier. */
async function packageContents(
  entries: Map<string, string>,
): Promise<Map<string, Set<string>>> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [...entries.keys()],
    outdir: "/nowhere",
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    packages: "external",
    metafile: true,
    logLevel: "silent",
  });
  const contents = new Map<string, Set<string>>();
  for (const info of Object.values(result.metafile.outputs)) {
    const specifier = info.entryPoint &&
      entries.get(join(ROOT, info.entryPoint));
    if (specifier) contents.set(specifier, new Set(Object.keys(info.inputs)));
  }
  return contents;
}

async function bundleTests(
  out: string,
  entries: Map<string, string>,
  filters: string[],
): Promise<Bundled> {
  const files = (await walk(TESTS)).filter((f) =>
    !f.startsWith(HERE + sep) && !f.endsWith(".d.ts")
  );
  const sources = files.filter((f) => f.endsWith(".ts"));
  for (const asset of files.filter((f) => !f.endsWith(".ts"))) {
    const target = join(out, relative(ROOT, asset));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(asset, target);
  }
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: sources,
    outbase: ROOT,
    outdir: out,
    outExtension: { ".js": ".ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    metafile: true,
    logLevel: "warning",
    plugins: [mapToPackage(entries, out)],
  });
  const bundled: Bundled = {
    tests: [],
    fromSource: new Map(),
    twice: new Map(),
    denoMentions: [],
  };
  const contents = await packageContents(entries);
  for (const [output, info] of Object.entries(result.metafile.outputs)) {
    const source = info.entryPoint;
    if (!source?.endsWith("_test.ts") || source in EXCLUDED) continue;
    if (filters.length && !filters.some((f) => source.includes(f))) continue;
    bundled.tests.push(join(ROOT, output));
    const internal = Object.keys(info.inputs).filter((i) =>
      !i.startsWith("tests/")
    );
    if (internal.length) bundled.fromSource.set(source, internal);
    const used = info.imports.filter((i) => contents.has(i.path));
    const twice = internal.filter((i) =>
      used.some((u) => contents.get(u.path)!.has(i))
    );
    const against = new Set(
      used.filter((u) => twice.some((i) => contents.get(u.path)!.has(i)))
        .map((u) => u.path),
    );
    if (twice.length) {
      bundled.twice.set(source, [...twice, `(vs ${[...against].join(", ")})`]);
    }
    const text = await readFile(join(ROOT, output), "utf8");
    if (/\bDeno\.[A-Za-z]/.test(text)) bundled.denoMentions.push(source);
  }
  bundled.tests.sort();
  return bundled;
}

/** Runs `node --test`, echoing its output; returns the exit code and text. */
function nodeTest(
  out: string,
  tests: string[],
  extra: string[],
): Promise<{ code: number; text: string }> {
  const register = pathToFileURL(join(HERE, "register.mjs")).href;
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${register}`
      .trim(),
    TUSFLOW_NODE_LEG_ROOT: pathToFileURL(out).href + "/",
  };
  const args = [
    "--test",
    "--test-reporter=spec",
    `--test-concurrency=${availableParallelism()}`,
    "--test-timeout=60000",
    ...extra,
    ...tests,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, args, {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (data) => {
      text += String(data);
      process.stdout.write(data);
    });
    child.stderr.on("data", (data) => process.stderr.write(data));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, text }));
  });
}

function brief(list: string[]): string {
  const shown = list.slice(0, 3).join(", ");
  return list.length > 3 ? `${shown} +${list.length - 3} more` : shown;
}

async function warnIfStale(): Promise<void> {
  let built: number;
  try {
    built = (await stat(join(NPM, "package.json"))).mtimeMs;
  } catch {
    throw new Error(
      "Cannot run the Node leg: npm/ is missing; run `deno run -A npm-build.ts` first",
    );
  }
  const sources = [
    join(ROOT, "mod.ts"),
    ...await walk(join(ROOT, "src")),
    ...await walk(join(ROOT, "machines")),
  ];
  for (const source of sources) {
    if ((await stat(source)).mtimeMs > built) {
      console.warn(
        `! npm/ is older than ${
          relative(ROOT, source)
        }: the Node leg tests the last build`,
      );
      return;
    }
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const args = process.argv.slice(2);
  const dash = args.indexOf("--");
  const extra = dash === -1 ? [] : args.slice(dash + 1);
  const filters = (dash === -1 ? args : args.slice(0, dash))
    .filter((a) => !a.startsWith("--"));
  await warnIfStale();
  const version = await new Promise<string>((resolve) => {
    const child = spawn(NODE, ["--version"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    child.stdout.on("data", (data) => (text += String(data)));
    child.on("close", () => resolve(text.trim()));
  });
  const out = await mkdtemp(join(tmpdir(), "tusflow-node-leg-"));
  try {
    const { name, entries } = await packageEntries();
    await linkModules(out, name);
    const bundled = await bundleTests(out, entries, filters);
    await esbuild.stop();
    const bundleMs = performance.now() - started;

    console.log(
      `Node leg: ${NODE} ${version}, ${bundled.tests.length} test files against npm/ as ${name}`,
    );
    const excluded = Object.entries(EXCLUDED);
    console.log(`excluded on Node: ${excluded.length ? "" : "none"}`);
    for (const [file, reason] of excluded) {
      console.log(`  - ${file}: ${reason}`);
    }
    const runStarted = performance.now();
    const result = await nodeTest(out, bundled.tests, extra);
    const runMs = performance.now() - runStarted;

    console.log("\nNode leg summary");
    if (bundled.fromSource.size) {
      console.log(
        "  internal modules bundled from source (the rest come from npm/):",
      );
    }
    for (const [test, modules] of bundled.fromSource) {
      console.log(`    ${test}: ${brief(modules)}`);
    }
    if (bundled.twice.size) {
      console.log(
        "  ! also inside the package they import (two copies: instanceof and module state are not shared):",
      );
    }
    for (const [test, modules] of bundled.twice) {
      console.log(
        `    ${test}: ${brief(modules.slice(0, -1))} ${modules.at(-1)}`,
      );
    }
    if (bundled.denoMentions.length) {
      console.log(
        `  name Deno.* (guarded or skipped on Node): ${
          bundled.denoMentions.join(", ")
        }`,
      );
    }
    const skipped = result.text.match(/^\s*﹣ .*$/gm) ?? [];
    if (skipped.length) console.log("  skipped on Node (reason after #):");
    for (const line of new Set(skipped.map((l) => l.trim().slice(2)))) {
      console.log(`    ${line.replace(/ \([\d.]+ms\)/, "")}`);
    }
    const counts =
      result.text.match(/^ℹ (tests|pass|fail|skipped|todo|cancelled) \d+$/gm) ??
        [];
    console.log(`  ${counts.map((c) => c.slice(2)).join(", ")}`);
    console.log(
      `  timings: bundle ${(bundleMs / 1000).toFixed(1)}s, node --test ${
        (runMs / 1000).toFixed(1)
      }s`,
    );
    console.log(
      result.code === 0
        ? "Node leg OK"
        : `Node leg FAILED (node exited ${result.code})`,
    );
    // The plain closing line CI reads: "node: N passed, N failed, N skipped".
    const count = (name: string) =>
      Number(
        result.text.match(new RegExp(`^ℹ ${name} (\\d+)$`, "m"))?.[1] ?? 0,
      );
    console.log(
      `node: ${count("pass")} passed, ${count("fail")} failed, ${
        count("skipped")
      } skipped`,
    );
    return result.code;
  } finally {
    if (args.includes("--keep")) console.log(`kept ${out}`);
    else await rm(out, { recursive: true, force: true });
  }
}

process.exit(await main());
