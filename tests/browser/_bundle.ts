/**
 * tusflow's `mod.ts` bundled for the browser by esbuild (xstate included),
 * as the npm package's `browser` condition serves it: the Node-only modules
 * swapped for their browser twins (`BROWSER_VARIANTS` of `npm-build.ts`),
 * and what it loads with `import()` in chunks of their own, which the page
 * fetches when the code gets there.
 *
 * `node:*` modules cannot load in a browser. A dynamic `import("node:…")`
 * stays as it is: the browser rejects it, which is what the code expects
 * where it probes for Node. A static `import … from "node:…"` would stop the
 * whole bundle from loading, so each becomes a recording stub: the bundle
 * loads, and any use of the module (a property read, as esbuild compiles
 * named imports of CommonJS) is pushed to `globalThis.__tusflowNodeBuiltins`
 * and throws. A test then shows that the browser path never touched one.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { browserVariants } from "../../npm-build.ts";

/** The bundle, and what it had to stub. */
export interface BrowserBundle {
  /** The entry, served as `/tusflow.js`. */
  readonly code: string;
  /** The chunks beside it, by path (`/chunk-….js`), with their media type. */
  readonly chunks: Readonly<Record<string, [string, string]>>;
  /** `node:*` modules that the bundle imports statically (so stubbed). */
  readonly stubbed: readonly string[];
  /** Source files that hold those static imports, by module. */
  readonly importers: Readonly<Record<string, readonly string[]>>;
}

/**
 * The repository root: the nearest folder up from `from` with a `deno.json`,
 * else the working directory (the Node leg runs a bundled copy from a temp
 * dir, with the repository as its working directory).
 *
 * @throws {Error} when neither holds `mod.ts`.
 */
export function repoRoot(from: string): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, "deno.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (existsSync(join(process.cwd(), "mod.ts"))) return process.cwd();
  throw new Error(
    `Cannot find tusflow's mod.ts above ${from} or in ${process.cwd()}`,
  );
}

const STUB = `
const name = __NAME__;
const used = (globalThis.__tusflowNodeBuiltins ??= []);
const unavailable = new Proxy({}, {
  get(_target, key) {
    if (typeof key === "symbol" || key === "__esModule" || key === "then") {
      return undefined;
    }
    used.push(name + "." + key);
    return () => {
      throw new Error(name + " is not available in a browser (" + key + ")");
    };
  },
});
module.exports = Object.create(unavailable);
`;

/**
 * Bundles `<root>/mod.ts` as browser ESM: an entry and its chunks.
 *
 * @param root The repository root.
 * @returns The code and the `node:*` modules it stubs.
 */
export async function bundleForBrowser(root: string): Promise<BrowserBundle> {
  const importers: Record<string, string[]> = {};
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { tusflow: join(root, "mod.ts") },
    outdir: join(root, "browser-bundle"),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "error",
    plugins: [browserVariants(root), {
      name: "node-builtins-for-browser",
      setup(build) {
        build.onResolve({ filter: /^node:/ }, (args) => {
          if (args.kind === "dynamic-import") {
            return { path: args.path, external: true };
          }
          (importers[args.path] ??= []).push(
            args.importer.slice(root.length + 1),
          );
          return { path: args.path, namespace: "node-stub" };
        });
        build.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => ({
          contents: STUB.replace("__NAME__", JSON.stringify(args.path)),
          loader: "js",
        }));
      },
    }],
  });
  await esbuild.stop();
  let code = "";
  const chunks: Record<string, [string, string]> = {};
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf("/"));
    if (name === "/tusflow.js") code = file.text;
    else chunks[name] = [file.text, "text/javascript"];
  }
  return { code, chunks, stubbed: Object.keys(importers).sort(), importers };
}
