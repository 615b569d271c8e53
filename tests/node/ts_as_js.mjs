/**
 * Module hooks for the Node leg. `run.ts` bundles each test (and fixture) to
 * plain JavaScript but keeps its `.ts` name at the same relative path, so a
 * test that spawns `new URL("./fixture.ts", import.meta.url)` still finds
 * it. Node 20 refuses the `.ts` extension; this hook loads such files as ES
 * modules, but only inside the bundle directory: a real TypeScript file
 * elsewhere still fails loudly.
 *
 * @module
 */
import { readFile } from "node:fs/promises";

let root = "";

/** Receives `{ root }`, the file URL of the bundle directory. */
export function initialize(data) {
  root = data?.root ?? "";
}

/** Loads `<root>/**.ts` as an ES module; everything else as usual. */
export async function load(url, context, nextLoad) {
  if (root && url.startsWith(root) && url.endsWith(".ts")) {
    const source = await readFile(new URL(url));
    return { format: "module", source, shortCircuit: true };
  }
  return nextLoad(url, context);
}
