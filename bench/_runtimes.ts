/**
 * The three runtimes the benchmark runs on: how to start a TypeScript
 * script under each (Node gets an esbuild bundle, since Node 20 cannot run
 * `.ts`), where tusflow is imported from (the source on Deno and Bun, the
 * built npm package on Node), and their versions.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { execFile } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A runtime the benchmark runs a case under. */
export type Runtime = "deno" | "bun" | "node";

/** Every runtime, in the order the tables list them. */
export const RUNTIMES: readonly Runtime[] = ["deno", "bun", "node"];

/** The repository root. */
export const ROOT: string = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const NODE = process.env.TUSFLOW_NODE ?? "node";
/** Where Node bundles go (ignored by git). */
const OUT = join(ROOT, "bench", "results");

const BINARIES: Record<Runtime, string> = {
  deno: join(BIN, "deno"),
  bun: join(BIN, "bun"),
  node: NODE,
};

const bundles = new Map<string, Promise<string>>();

/** Bundles `script` for Node 20 once per run; resolves to the `.mjs` path. */
function nodeBundle(script: string): Promise<string> {
  let bundle = bundles.get(script);
  if (!bundle) {
    bundle = (async () => {
      await mkdir(OUT, { recursive: true });
      const outfile = join(OUT, basename(script).replace(/\.ts$/, ".mjs"));
      await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: [script],
        outfile,
        bundle: true,
        format: "esm",
        platform: "node",
        target: "node20",
        packages: "external",
        logLevel: "warning",
      });
      await esbuild.stop();
      return outfile;
    })();
    bundles.set(script, bundle);
  }
  return bundle;
}

/** Removes the Node bundles made by {@linkcode scriptCommand}. */
export async function removeBundles(): Promise<void> {
  for (const bundle of bundles.values()) {
    await rm(await bundle, { force: true });
  }
  bundles.clear();
}

/** The command line that runs the TypeScript `script` under `runtime`. */
export async function scriptCommand(
  runtime: Runtime,
  script: string,
): Promise<string[]> {
  if (runtime === "deno") return [BINARIES.deno, "run", "-A", script];
  if (runtime === "bun") return [BINARIES.bun, script];
  return [BINARIES.node, await nodeBundle(script)];
}

/** The module a case imports tusflow from, as a file URL. */
export function tusflowModule(runtime: Runtime): string {
  const path = runtime === "node"
    ? join(ROOT, "npm", "esm", "mod.js")
    : join(ROOT, "mod.ts");
  return pathToFileURL(path).href;
}

function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, (error, stdout) => {
      resolve(error ? `unknown (${error.message})` : String(stdout).trim());
    });
  });
}

/** Each runtime's version, e.g. `{ deno: "2.9.6", … }`. */
export async function runtimeVersions(): Promise<Record<Runtime, string>> {
  const deno = await output(BINARIES.deno, ["--version"]);
  return {
    deno: deno.split("\n")[0]!.replace(/^deno /, ""),
    bun: await output(BINARIES.bun, ["--version"]),
    node: (await output(BINARIES.node, ["--version"])).replace(/^v/, ""),
  };
}
