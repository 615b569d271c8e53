/**
 * Builds the npm package `npm/` from the Deno sources, then proves it works
 * on Node: `deno run -A npm-build.ts` (`npm run build:npm`).
 *
 * - Entry points come from `deno.json` `exports` (`.` is `mod`, `./testing`
 *   is `testing`, a future `./cli` is `cli`), so JSR and npm ship the same
 *   subpaths without a list to keep in step here.
 * - esbuild bundles each entry to `esm/<name>.js` (code split: the entries
 *   share chunks) and `cjs/<name>.cjs`, and `.` and `./machines` once more
 *   for the `browser` condition, `esm/mod.browser.js` and
 *   `esm/machines.browser.js`, with the Node-only modules swapped for their
 *   browser twins ({@linkcode BROWSER_VARIANTS}) and what they load with
 *   `import()` left in chunks of their own (`esm/chunks/*.browser-*.js`).
 *   The browser build of `.` leaves out the two machine values, its one
 *   documented difference ({@linkcode BROWSER_LEFT_OUT}). Every bare import
 *   stays external: a dependency when `.` loads it (`xstate`), else an
 *   optional peer dependency (`hono`, `@hono/node-server`, for `./testing`
 *   and `./cli`), its range read from `deno.json` `imports`, else `^` the
 *   version in `node_modules`. `./testing` loads through a small guard that
 *   names the peers to install when they are missing.
 * - The TypeScript compiler emits `types/**` from the sources (`.d.ts`, and a
 *   `.d.cts` twin of each so that `require` gets CommonJS types).
 * - Checks, any failure exits 1: export parity of every entry (values as Deno
 *   imports them vs. Node `import` and `require` and the browser builds, but
 *   for the machines in the browser build of `.`; all names as `deno doc`
 *   lists them vs. the emitted declarations), the declarations type-check
 *   with and without the DOM lib, and in a Node-only project (`lib` es2022,
 *   no `skipLibCheck`), `.` loads without the optional peers and `./testing`
 *   names them, a smoke run by package name from the packed tarball (an
 *   upload to the `./testing` server through ESM and CJS), `publint` and
 *   `attw`.
 *
 * `--keep` leaves the smoke directory in place for a look.
 *
 * @module
 */
import * as esbuild from "esbuild";
import ts from "typescript";
import { execFile } from "node:child_process";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = dirname(fileURLToPath(import.meta.url));
const OUT = join(ROOT, "npm");
const BIN = join(ROOT, "node_modules", ".bin");
const NODE = process.env.TUSFLOW_NODE ?? "node";

/** The parts of `deno.json` the build reads. */
export interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, string>;
  imports?: Record<string, string>;
}

/** One subpath of the package. */
export interface Entry {
  subpath: string; // "." or "./testing"
  name: string; // "mod" or "testing": the bundle's file name
  source: string; // "mod.ts", relative to ROOT
  types: string; // "types/mod.d.ts", relative to OUT
}

const failures: string[] = [];
const timings: string[] = [];

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await run();
  } finally {
    timings.push(
      `${label} ${((performance.now() - start) / 1000).toFixed(1)}s`,
    );
  }
}

function fail(message: string): void {
  failures.push(message);
  console.error(`✗ ${message}`);
}

function run(
  command: string,
  args: string[],
  cwd = ROOT,
): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 64 << 20 }, (error, out, err) => {
      const code = error
        ? (typeof error.code === "number" ? error.code : 1)
        : 0;
      resolve({ code, out: `${out}${err}`.trim(), stdout: out.trim() });
    });
  });
}

/** The package's subpaths, from `deno.json` `exports`. */
export function entriesOf(deno: DenoJson): Entry[] {
  return Object.entries(deno.exports).map(([subpath, source]) => {
    const clean = source.replace(/^\.\//, "");
    return {
      subpath,
      name: subpath === "." ? "mod" : subpath.slice(2).replaceAll("/", "_"),
      source: clean,
      types: `types/${clean.replace(/\.ts$/, ".d.ts")}`,
    };
  });
}

/** Bare imports must stay bare so that they become dependencies. */
const rejectPrefixed: esbuild.Plugin = {
  name: "reject-prefixed-specifiers",
  setup(build) {
    build.onResolve({ filter: /^(npm|jsr|https?):/ }, (args) => ({
      errors: [{
        text: `Cannot bundle ${args.path} (in ${args.importer}): import a ` +
          `bare name mapped in deno.json instead`,
      }],
    }));
  },
};

/**
 * Modules that only work with Node built-ins (files, TLS transports), each
 * with its browser twin: same exports, a clear error instead of the work.
 * The `browser` build of `.` swaps them, so a browser bundle of
 * `@tusflow/client` carries none of that code. Paths are relative to the
 * repository root.
 */
export const BROWSER_VARIANTS: Readonly<Record<string, string>> = {
  "src/runtime/tls.ts": "src/runtime/tls_browser.ts",
  "src/runtime/file.ts": "src/runtime/file_browser.ts",
  "src/storage/file_url_storage.ts": "src/storage/file_url_storage_browser.ts",
  "src/storage/default_url_storage.ts":
    "src/storage/default_url_storage_browser.ts",
  "src/runtime/counted_send.ts": "src/runtime/counted_send_browser.ts",
  "src/runtime/interim_fetch.ts": "src/runtime/interim_fetch_browser.ts",
};

/**
 * The one module whose browser twin exports less than it: the two machine
 * values of `.` (`mod.ts` re-exports all of `src/machine_values.ts`). A
 * value the entry exports loads with the entry, and these bring xstate and
 * both machines into a page's first chunk; in a browser bundle they come
 * from `./machines`. The export parity of the browser build of `.` allows
 * exactly these names to be missing.
 */
export const BROWSER_LEFT_OUT: {
  readonly module: string;
  readonly twin: string;
  readonly names: readonly string[];
  readonly from: string;
} = {
  module: "src/machine_values.ts",
  twin: "src/machine_values_browser.ts",
  names: ["parallelUploadMachine", "uploadMachine"],
  from: "./machines",
};

/**
 * An esbuild plugin that resolves each module of
 * {@linkcode BROWSER_VARIANTS} (and {@linkcode BROWSER_LEFT_OUT}) to its
 * browser twin.
 *
 * @param root The repository root the paths are relative to.
 */
export function browserVariants(root: string = ROOT): esbuild.Plugin {
  const twins = new Map(
    [
      ...Object.entries(BROWSER_VARIANTS),
      [BROWSER_LEFT_OUT.module, BROWSER_LEFT_OUT.twin],
    ].map(([from, to]) => [join(root, from!), join(root, to!)]),
  );
  return {
    name: "browser-variants",
    setup(build) {
      build.onResolve({ filter: /^\.{1,2}\/.*\.ts$/ }, (args) => {
        const twin = twins.get(join(args.resolveDir, args.path));
        return twin ? { path: twin } : undefined;
      });
    },
  };
}

/**
 * The entries that have a browser build: the main one, and `./machines`,
 * so that a page importing both shares one copy of the code (one
 * `TusUploadFailed` class) and no Node-only module.
 */
function browserEntries(entries: Entry[]): Entry[] {
  return entries.filter((e) =>
    e.subpath === "." || e.subpath === BROWSER_LEFT_OUT.from
  );
}

async function bundle(
  entries: Entry[],
  format: "esm" | "cjs" | "browser",
  outDir: string,
): Promise<esbuild.Metafile> {
  const browser = format === "browser";
  if (browser) entries = browserEntries(entries);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(entries.map((e) => [e.name, e.source])),
    outdir: join(outDir, format === "cjs" ? "cjs" : "esm"),
    entryNames: browser ? "[name].browser" : "[name]",
    // ESM entries share one copy of common code (one TusError class for
    // `.` and `./testing`), and a peer imported only by `./testing` or
    // `./cli` stays out of the chunks `.` loads. In the browser build, what
    // `.` loads with `import()` (the draft's adapter, parallel uploads) stays
    // a file of its own, so an app's bundler keeps it out of its first chunk.
    splitting: format !== "cjs",
    chunkNames: browser
      ? "chunks/[name].browser-[hash]"
      : "chunks/[name]-[hash]",
    outExtension: { ".js": format === "cjs" ? ".cjs" : ".js" },
    bundle: true,
    format: browser ? "esm" : format,
    platform: "neutral",
    // es2022 lowers `await using`; node20 keeps what Node 20 has.
    target: ["es2022", "node20"],
    packages: "external",
    external: ["node:*"],
    // Names for Node stack traces; a browser app's bundler decides its own.
    keepNames: !browser,
    metafile: true,
    logLevel: "warning",
    plugins: browser ? [rejectPrefixed, browserVariants()] : [rejectPrefixed],
  });
  return result.metafile;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * The bare packages each entry loads, through its chunks (static and
 * dynamic imports alike), by entry subpath.
 */
function externalsByEntry(
  metafiles: esbuild.Metafile[],
  entries: Entry[],
): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>(
    entries.map((e) => [e.subpath, new Set()]),
  );
  for (const metafile of metafiles) {
    for (const [path, output] of Object.entries(metafile.outputs)) {
      const entry = entries.find((e) => e.source === output.entryPoint);
      if (!entry) continue;
      const names = found.get(entry.subpath)!;
      const seen = new Set<string>();
      const pending = [path];
      while (pending.length > 0) {
        const current = pending.pop()!;
        if (seen.has(current)) continue;
        seen.add(current);
        for (const imported of metafile.outputs[current]?.imports ?? []) {
          if (!imported.external) pending.push(imported.path);
          else if (!imported.path.startsWith("node:")) {
            names.add(packageName(imported.path));
          }
        }
      }
    }
  }
  return found;
}

async function versionOf(name: string, deno: DenoJson): Promise<string> {
  const mapped = deno.imports?.[name]?.match(/^npm:(?:@[^/]+\/)?[^@]+@(.+)$/);
  if (mapped) return mapped[1]!;
  try {
    const manifest = join(ROOT, "node_modules", name, "package.json");
    return `^${JSON.parse(await readFile(manifest, "utf8")).version}`;
  } catch {
    fail(`dependency ${name}: no version in deno.json imports or node_modules`);
    return "*";
  }
}

/** What the bundles import: dependencies of `.`, optional peers of the rest. */
export interface PackageImports {
  /** Packages that `.` loads: installed with the package. */
  dependencies: Record<string, string>;
  /** Packages only other entries load: optional peer dependencies. */
  peers: Record<string, string>;
  /** The bare packages each entry subpath loads. */
  byEntry: Map<string, Set<string>>;
  /** The names each browser build exports, sorted, by entry subpath. */
  browserExports: Map<string, string[]>;
}

/**
 * Bundles every entry into `outDir` (`esm/`, `cjs/`, and the browser build
 * of `.`) and sorts the bare imports into dependencies and optional peers.
 */
export async function bundlePackage(
  deno: DenoJson,
  entries: Entry[],
  outDir: string = OUT,
): Promise<PackageImports> {
  const metafiles = await Promise.all([
    bundle(entries, "esm", outDir),
    bundle(entries, "cjs", outDir),
    bundle(entries, "browser", outDir),
  ]);
  const byEntry = externalsByEntry(metafiles, entries);
  const main = byEntry.get(".") ?? new Set();
  const all = new Set([...byEntry.values()].flatMap((names) => [...names]));
  const dependencies: Record<string, string> = {};
  const peers: Record<string, string> = {};
  for (const name of [...all].sort()) {
    (main.has(name) ? dependencies : peers)[name] = await versionOf(name, deno);
  }
  const browserExports = new Map<string, string[]>();
  for (const output of Object.values(metafiles[2]!.outputs)) {
    const entry = entries.find((e) => e.source === output.entryPoint);
    if (entry) browserExports.set(entry.subpath, [...output.exports].sort());
  }
  return { dependencies, peers, byEntry, browserExports };
}

/** The `package.json` of `npm/`. */
export function manifestOf(
  deno: DenoJson,
  entries: Entry[],
  imports: PackageImports,
  description: string,
): Record<string, unknown> {
  const exportsMap: Record<string, unknown> = {};
  const browser = browserEntries(entries);
  for (const e of entries) {
    exportsMap[e.subpath] = {
      // First: a bundler for the browser picks it over `import`.
      ...(browser.includes(e)
        ? {
          browser: {
            types: `./${e.types}`,
            default: `./esm/${e.name}.browser.js`,
          },
        }
        : {}),
      import: { types: `./${e.types}`, default: `./esm/${e.name}.js` },
      require: {
        types: `./${e.types.replace(/\.d\.ts$/, ".d.cts")}`,
        default: `./cjs/${e.name}.cjs`,
      },
    };
  }
  exportsMap["./package.json"] = "./package.json";
  const main = entries.find((e) => e.subpath === ".")!;
  const peers = Object.keys(imports.peers);
  return {
    name: deno.name,
    version: deno.version,
    description,
    keywords: ["tus", "resumable", "upload", "xstate", "fetch"],
    license: deno.license ?? "MIT",
    type: "module",
    exports: exportsMap,
    // For resolvers that predate `exports` (TypeScript's node10).
    main: `./cjs/${main.name}.cjs`,
    types: `./${main.types.replace(/\.d\.ts$/, ".d.cts")}`,
    typesVersions: {
      "*": Object.fromEntries(
        entries.filter((e) => e !== main).map((e) => [
          e.subpath.slice(2),
          [`./${e.types}`],
        ]),
      ),
    },
    bin: { tusflow: "./esm/cli.js" }, // src/cli/mod.ts: shebang + main when run
    files: ["esm", "cjs", "types"],
    sideEffects: false,
    engines: { node: ">=20.16" },
    dependencies: imports.dependencies,
    ...(peers.length > 0
      ? {
        peerDependencies: imports.peers,
        peerDependenciesMeta: Object.fromEntries(
          peers.map((name) => [name, { optional: true }]),
        ),
      }
      : {}),
  };
}

const RELATIVE_SPECIFIER =
  /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.(?:ts|js)(["'])/g;

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
 * Emits declarations for every module the entries reach. The sources import
 * with `.ts`; the emitted files import `.js` (ESM) or `.cjs` (the `.d.cts`
 * twins). No type check here: `deno check` owns that, and the sources name
 * `Deno`, which this program does not know; the emitted files are checked
 * afterwards as a consumer sees them.
 */
async function emitDeclarations(entries: Entry[]): Promise<void> {
  const program = ts.createProgram(entries.map((e) => join(ROOT, e.source)), {
    ...compilerOptions(),
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    noCheck: true,
    rootDir: ROOT,
    declarationDir: join(OUT, "types"),
  });
  const emitted = program.emit();
  for (const diagnostic of emitted.diagnostics) {
    fail(`declarations: ${formatDiagnostic(diagnostic)}`);
  }
  for (const path of await walk(join(OUT, "types"))) {
    if (!path.endsWith(".d.ts")) continue;
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace(RELATIVE_SPECIFIER, "$1$2.js$3"));
    await writeFile(
      path.replace(/\.d\.ts$/, ".d.cts"),
      text.replace(RELATIVE_SPECIFIER, "$1$2.cjs$3"),
    );
  }
}

const DOM_LIBS = ["lib.dom.d.ts", "lib.dom.iterable.d.ts"];

function compilerOptions(libs = DOM_LIBS): ts.CompilerOptions {
  return {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.esnext.d.ts", ...libs],
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
    strict: true,
  };
}

function formatDiagnostic(diagnostic: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  if (!diagnostic.file || diagnostic.start === undefined) return text;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(
    diagnostic.start,
  );
  return `${relative(ROOT, diagnostic.file.fileName)}:${line + 1} ${text}`;
}

function diagnoseOurs(program: ts.Program, report: (m: string) => void) {
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(`${OUT}/`)) continue;
    for (const diagnostic of program.getSemanticDiagnostics(file)) {
      report(formatDiagnostic(diagnostic));
    }
  }
}

/**
 * Type-checks the emitted declarations (ours only, as with `skipLibCheck:
 * false`) and returns the names each entry's `.d.ts` and `.d.cts` export.
 * A second pass without the DOM lib, as a Node-only project compiles: a
 * DOM type in the public surface would break such a project.
 */
function checkDeclarations(entries: Entry[]): Map<string, string[]> {
  const roots = entries.flatMap((e) => {
    const path = join(OUT, e.types);
    return [path, path.replace(/\.d\.ts$/, ".d.cts")];
  });
  const program = ts.createProgram(roots, compilerOptions());
  const checker = program.getTypeChecker();
  const seen = new Set<string>();
  diagnoseOurs(program, (m) => {
    seen.add(m);
    fail(`emitted declarations: ${m}`);
  });
  const withoutDom = ts.createProgram(
    roots,
    compilerOptions([]),
    undefined,
    program,
  );
  diagnoseOurs(withoutDom, (m) => {
    if (!seen.has(m)) fail(`emitted declarations without the DOM lib: ${m}`);
  });
  const names = new Map<string, string[]>();
  for (const root of roots) {
    const file = program.getSourceFile(root);
    const symbol = file && checker.getSymbolAtLocation(file);
    if (!symbol) {
      fail(`emitted declarations: ${relative(ROOT, root)} is not a module`);
      continue;
    }
    names.set(
      root,
      checker.getExportsOfModule(symbol).map((s) => s.name).sort(),
    );
  }
  return names;
}

interface DocNode {
  module_doc?: { doc?: string };
  symbols?: { name: string; declarations: { declarationKind: string }[] }[];
}

/** What Deno says each entry exports: all names, values only, module doc. */
async function denoView(entries: Entry[]) {
  const deno = process.execPath; // this script runs under Deno
  const doc = await run(deno, [
    "doc",
    "--json",
    ...entries.map((e) => e.source),
  ]);
  if (doc.code !== 0) throw new Error(`Cannot run deno doc: ${doc.out}`);
  const nodes = JSON.parse(doc.stdout).nodes as Record<string, DocNode>;
  return await Promise.all(entries.map(async (entry) => {
    const url = pathToFileURL(join(ROOT, entry.source));
    const node = nodes[url.href] ?? {};
    const all = (node.symbols ?? [])
      .filter((s) => s.declarations.some((d) => d.declarationKind === "export"))
      .map((s) => s.name).sort();
    const values = Object.keys(await import(url.href)).sort();
    return { entry, all, values, doc: node.module_doc?.doc ?? "" };
  }));
}

function compareNames(
  what: string,
  expected: string[],
  actual: string[] | undefined,
): void {
  if (!actual) return fail(`${what}: no names`);
  const missing = expected.filter((n) => !actual.includes(n));
  const extra = actual.filter((n) => !expected.includes(n));
  if (missing.length) fail(`${what}: missing ${missing.join(", ")}`);
  if (extra.length) fail(`${what}: extra ${extra.join(", ")}`);
}

/**
 * Each browser build exports every value Deno sees in its entry but the one
 * documented exception, {@linkcode BROWSER_LEFT_OUT}: `.` leaves out the
 * two machines, which `./machines` exports instead.
 */
function checkBrowserExports(
  name: string,
  view: { entry: Entry; values: string[] }[],
  browserExports: Map<string, string[]>,
): void {
  const main = view.find((v) => v.entry.subpath === ".");
  const from = view.find((v) => v.entry.subpath === BROWSER_LEFT_OUT.from);
  if (!main || !from) {
    return fail(
      `browser build: no "." or "${BROWSER_LEFT_OUT.from}" entry in deno.json`,
    );
  }
  const leftOut = BROWSER_LEFT_OUT.names;
  compareNames(
    `${name} (browser build) vs Deno less ${leftOut.join(", ")}`,
    main.values.filter((v) => !leftOut.includes(v)),
    browserExports.get("."),
  );
  compareNames(
    `${specifierOf(name, from.entry)} (browser build) vs Deno`,
    from.values,
    browserExports.get(from.entry.subpath),
  );
  const missing = leftOut.filter((n) =>
    !main.values.includes(n) || !from.values.includes(n)
  );
  if (missing.length) {
    fail(
      `browser build: ${
        missing.join(", ")
      } must be values of both . and ${BROWSER_LEFT_OUT.from}`,
    );
  }
  browserNote = `${name} (browser build): the values of . except ${
    leftOut.join(", ")
  } (import those from ${specifierOf(name, from.entry)} in a browser bundle)`;
}

let browserNote = "";

/** `@tusflow/client` for `.`, `@tusflow/client/testing` for `./testing`. */
function specifierOf(name: string, entry: Entry): string {
  return entry.subpath === "." ? name : `${name}/${entry.subpath.slice(2)}`;
}

/** The behaviour smoke: five bytes to the `./testing` server and back. */
function smokeScript(
  name: string,
  entries: Entry[],
  format: "esm" | "cjs",
): string {
  const load = format === "esm" ? "await import" : "require";
  const specifiers = entries.map((e) => specifierOf(name, e));
  const canUpload = entries.some((e) => e.subpath === ".") &&
    entries.some((e) => e.subpath === "./testing");
  const loads = specifiers.map((s) => {
    const quoted = JSON.stringify(s);
    return `names[${quoted}] = Object.keys(${load}(${quoted})).sort();`;
  });
  const body = `
const names = {};
${loads.join("\n")}
if (${canUpload}) {
  const { TusClient } = ${load}("${name}");
  const { startTusServer } = ${load}("${name}/testing");
  const server = await startTusServer();
  try {
    const client = new TusClient(server.url, { chunkSize: 2 });
    const url = await client.uploadFile({
      fileStream: new TextEncoder().encode("hello"),
    });
    const stored = new TextDecoder().decode(server.bytesOf(url) ?? undefined);
    if (stored !== "hello") throw new Error("Cannot upload: got " + stored);
  } finally {
    await server[Symbol.asyncDispose]();
  }
}
console.log(JSON.stringify(names));`;
  return format === "esm"
    ? body
    : `(async () => {${body}\n})().catch((e) => { console.error(e); process.exit(1); });`;
}

/**
 * An entry other than `.` whose bundle imports optional peers becomes a
 * loader of `<name>.impl.js` (`.cjs`) that turns a missing peer into an
 * error saying what to install. Not the CLI, which finds out whether it is
 * the program from its own file name.
 */
async function guardPeers(
  name: string,
  imports: PackageImports,
  view: { entry: Entry; values: string[] }[],
): Promise<void> {
  for (const { entry, values } of view) {
    if (entry.subpath === "." || entry.subpath === "./cli") continue;
    const peers = [...imports.byEntry.get(entry.subpath) ?? []]
      .filter((peer) => peer in imports.peers);
    if (peers.length === 0) continue;
    const esm = join(OUT, "esm", `${entry.name}.js`);
    const cjs = join(OUT, "cjs", `${entry.name}.cjs`);
    await rename(esm, esm.replace(/\.js$/, ".impl.js"));
    await rename(cjs, cjs.replace(/\.cjs$/, ".impl.cjs"));
    const check = (code: string) => `
  const missing = ${JSON.stringify(peers)}.filter((peer) =>
    String(error?.message).includes("'" + peer + "'")
  );
  if (error?.code !== ${
      JSON.stringify(code)
    } || missing.length === 0) throw error;
  throw new Error(
    "Cannot load ${specifierOf(name, entry)}: " + missing.join(" and ") +
      (missing.length > 1 ? " are" : " is") + " not installed (optional peer dependencies of ${name}); run npm install ${
      peers.join(" ")
    }",
    { cause: error },
  );`;
    const named = values.filter((v) => v !== "default");
    await writeFile(
      esm,
      `// ${specifierOf(name, entry)} needs ${peers.join(", ")}.
let loaded;
try {
  loaded = await import("./${entry.name}.impl.js");
} catch (error) {${check("ERR_MODULE_NOT_FOUND")}
}
export const { ${named.join(", ")} } = loaded;
${values.includes("default") ? "export default loaded.default;\n" : ""}`,
    );
    await writeFile(
      cjs,
      `"use strict";
// ${specifierOf(name, entry)} needs ${peers.join(", ")}.
try {
  module.exports = require("./${entry.name}.impl.cjs");
} catch (error) {${check("MODULE_NOT_FOUND")}
}
`,
    );
  }
}

/**
 * Packs `npm/` and installs the tarball into a temp dir whose node_modules
 * holds only the declared dependencies (linked from ours), so an undeclared
 * import fails here. Returns the directory and the tarball.
 */
async function packAndInstall(
  name: string,
  dependencies: Record<string, string>,
): Promise<{ dir: string; tarball: string }> {
  const dir = await mkdtemp(join(tmpdir(), "tusflow-npm-build-"));
  const packed = await run("npm", [
    "pack",
    OUT,
    "--pack-destination",
    dir,
    "--json",
  ]);
  if (packed.code !== 0) throw new Error(`Cannot pack npm/: ${packed.out}`);
  const tarball = join(dir, JSON.parse(packed.stdout)[0].filename);
  const target = join(dir, "node_modules", name);
  await mkdir(target, { recursive: true });
  const untar = await run("tar", [
    "-xzf",
    tarball,
    "-C",
    target,
    "--strip-components=1",
  ]);
  if (untar.code !== 0) {
    throw new Error(`Cannot unpack ${tarball}: ${untar.out}`);
  }
  await linkPackages(dir, Object.keys(dependencies));
  return { dir, tarball };
}

/** Links packages of our node_modules into `dir/node_modules`. */
async function linkPackages(dir: string, names: string[]): Promise<void> {
  for (const name of names) {
    const link = join(dir, "node_modules", name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(ROOT, "node_modules", name), link, "dir");
  }
}

/**
 * Before the optional peers are linked: `.` and every entry that imports
 * none of them (`./machines`) load (ESM and CJS), and each guarded entry
 * fails with an error that says what to install.
 */
async function checkWithoutPeers(
  dir: string,
  name: string,
  entries: Entry[],
  imports: PackageImports,
): Promise<void> {
  const peers = Object.keys(imports.peers);
  const needsPeers = (e: Entry) =>
    [...imports.byEntry.get(e.subpath) ?? []].some((p) => p in imports.peers);
  const install = `npm install ${peers.join(" ")}`;
  for (const format of ["esm", "cjs"] as const) {
    const load = format === "esm" ? "await import" : "require";
    const lines = entries.map((e) => {
      const spec = JSON.stringify(specifierOf(name, e));
      return `try { out[${spec}] = Object.keys(${load}(${spec})).length + " names"; } catch (e) { out[${spec}] = String(e.message).split("\\n")[0]; }`;
    });
    const body = `const out = {};\n${
      lines.join("\n")
    }\nconsole.log(JSON.stringify(out));`;
    const script = join(
      dir,
      `without_peers.${format === "esm" ? "mjs" : "cjs"}`,
    );
    await writeFile(
      script,
      format === "esm" ? body : `(async () => {${body}})();`,
    );
    const result = await run(NODE, [script], dir);
    if (result.code !== 0) {
      fail(`without peers (${format}): ${result.out}`);
      continue;
    }
    const out: Record<string, string> = JSON.parse(
      result.stdout.split("\n").at(-1)!,
    );
    for (const e of entries) {
      const spec = specifierOf(name, e);
      const said = out[spec] ?? "";
      if (e.subpath === "." || !needsPeers(e)) {
        if (!said.endsWith(" names")) {
          fail(`${spec} without ${peers.join(", ")} (${format}): ${said}`);
        }
      } else if (e.subpath === "./cli") {
        peerNotes.push(`${spec} without peers (${format}): ${said}`);
      } else if (!said.includes(install)) {
        fail(
          `${spec} without ${
            peers.join(", ")
          } (${format}): expected an error naming "${install}", got: ${said}`,
        );
      }
    }
  }
}

const peerNotes: string[] = [];

/**
 * The published types in a Node-only project: `lib` es2022, `types` node,
 * no `skipLibCheck`, ESM (`.mts`) and CommonJS (`.cts`) consumers.
 */
async function checkNodeOnlyTypes(
  dir: string,
  name: string,
  entries: Entry[],
): Promise<void> {
  await linkPackages(dir, ["@types/node", "undici-types"]);
  const consumer = entries.filter((e) => e.subpath !== "./cli").map((e, i) =>
    `import type * as entry${i} from ${
      JSON.stringify(specifierOf(name, e))
    };\nexport type Entry${i} = typeof entry${i};`
  ).join("\n");
  const use = `import { TusClient, WebStorageUrlStorage } from "${name}";
export const client: TusClient = new TusClient("https://tus.example/files/");
export const storage = (s: { getItem(k: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void }) =>
  new WebStorageUrlStorage(s);
`;
  await writeFile(join(dir, "consumer.mts"), `${consumer}\n${use}`);
  await writeFile(join(dir, "consumer.cts"), `${consumer}\n${use}`);
  await writeFile(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        lib: ["es2022"],
        types: ["node"],
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        strict: true,
        noEmit: true,
      },
      files: ["consumer.mts", "consumer.cts"],
    }),
  );
  const result = await run(NODE, [
    join(ROOT, "node_modules", "typescript", "bin", "tsc"),
    "-p",
    join(dir, "tsconfig.json"),
  ], dir);
  if (result.code !== 0) {
    fail(
      `types in a Node-only project (lib es2022, no skipLibCheck):\n${result.out}`,
    );
  }
}

async function smoke(
  dir: string,
  name: string,
  entries: Entry[],
  format: "esm" | "cjs",
): Promise<Record<string, string[]> | undefined> {
  const script = join(dir, format === "esm" ? "smoke.mjs" : "smoke.cjs");
  await writeFile(script, smokeScript(name, entries, format));
  const result = await run(NODE, [script], dir);
  if (result.code !== 0) {
    fail(`Node ${format} smoke (${script}):\n${result.out}`);
    return undefined;
  }
  return JSON.parse(result.stdout.split("\n").at(-1)!);
}

const verdicts: string[] = [];

async function lint(tool: "publint" | "attw", args: string[]) {
  const result = await run(join(BIN, tool), args);
  if (result.code !== 0) fail(`${tool} failed:\n${result.out}`);
  const verdict = result.stdout.split("\n").map((l) => l.trim())
    .find((l) => /all good|no problems|problem|error|warning/i.test(l));
  verdicts.push(`${tool}: ${verdict ?? (result.code ? "failed" : "ok")}`);
  return result;
}

async function sizes(): Promise<string[]> {
  const lines: string[] = [];
  let total = 0;
  const files = (await walk(OUT)).sort();
  const shown = files.filter((f) =>
    !f.includes("/types/src/") && !f.includes("/types/machines/")
  );
  for (const file of files) total += (await stat(file)).size;
  for (const file of shown) {
    const kb = ((await stat(file)).size / 1024).toFixed(1).padStart(7);
    lines.push(`  ${kb} KiB  ${relative(OUT, file)}`);
  }
  const hidden = files.length - shown.length;
  lines.push(
    `  (+${hidden} module declaration files under types/; ${files.length} files, ${
      (total / 1024).toFixed(1)
    } KiB in all)`,
  );
  return lines;
}

async function main(): Promise<void> {
  const started = performance.now();
  const deno: DenoJson = JSON.parse(
    await readFile(join(ROOT, "deno.json"), "utf8"),
  );
  const entries = entriesOf(deno);
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });

  const imports = await timed(
    "bundle",
    () => bundlePackage(deno, entries, OUT),
  );
  await timed("declarations", () => emitDeclarations(entries));
  const view = await timed("deno doc + import", () => denoView(entries));
  await guardPeers(deno.name, imports, view);
  const dependencies = imports.dependencies;
  const main = entries.find((e) => e.subpath === ".")!;
  const manifest = manifestOf(
    deno,
    entries,
    imports,
    (view.find((v) => v.entry === main)?.doc ?? "")
      .split("\n\n")[0]!.replaceAll("\n", " ").trim(),
  );
  await writeFile(
    join(OUT, "package.json"),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  await copyFile(join(ROOT, "README.md"), join(OUT, "README.md"));
  await copyFile(join(ROOT, "LICENSE"), join(OUT, "LICENSE"));

  // (a) export parity, (b) smoke by package name, (c) publint and attw.
  const declared = await timed(
    "check declarations",
    () => Promise.resolve(checkDeclarations(entries)),
  );
  const { dir, tarball } = await timed(
    "pack",
    () => packAndInstall(deno.name, dependencies),
  );
  try {
    await timed("without peers + Node-only types", async () => {
      await checkWithoutPeers(dir, deno.name, entries, imports);
      await linkPackages(dir, Object.keys(imports.peers));
      await checkNodeOnlyTypes(dir, deno.name, entries);
    });
    const [esm, cjs] = await timed(
      "node smoke + publint + attw",
      () =>
        Promise.all([
          smoke(dir, deno.name, entries, "esm"),
          smoke(dir, deno.name, entries, "cjs"),
          lint("publint", ["--strict", OUT]),
          lint("attw", [tarball, "--format", "ascii"]),
        ]),
    );
    for (const { entry, all, values } of view) {
      const spec = specifierOf(deno.name, entry);
      const types = join(OUT, entry.types);
      const ctypes = types.replace(/\.d\.ts$/, ".d.cts");
      if (esm) compareNames(`${spec} (Node import) vs Deno`, values, esm[spec]);
      if (cjs) {
        compareNames(`${spec} (Node require) vs Deno`, values, cjs[spec]);
      }
      compareNames(`${entry.types} vs deno doc`, all, declared.get(types));
      compareNames(
        `${relative(OUT, ctypes)} vs deno doc`,
        all,
        declared.get(ctypes),
      );
    }
    checkBrowserExports(deno.name, view, imports.browserExports);
  } finally {
    if (process.argv.includes("--keep")) console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  await esbuild.stop();

  console.log(`npm/ for ${deno.name}@${deno.version}:`);
  for (const line of await sizes()) console.log(line);
  console.log(`dependencies: ${JSON.stringify(dependencies)}`);
  console.log(`optional peers: ${JSON.stringify(imports.peers)}`);
  for (const note of peerNotes) console.log(`! ${note}`);
  for (const { entry, all, values } of view) {
    console.log(
      `${entry.subpath}: ${values.length} values, ${
        all.length - values.length
      } types exported; parity checked (Node import/require, .d.ts/.d.cts)`,
    );
  }
  if (browserNote) console.log(browserNote);
  console.log(verdicts.join("; "));
  const total = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`timings: ${timings.join(", ")}; total ${total}s`);
  if (failures.length) {
    console.error(`npm build FAILED: ${failures.length} problem(s) above`);
    process.exit(1);
  }
  console.log("npm build OK: parity, Node smoke (ESM + CJS), publint, attw");
}

if (import.meta.main) await main();
