/**
 * Preloaded by the Node leg (`NODE_OPTIONS=--import=…/register.mjs`, which
 * child processes inherit): registers `ts_as_js.mjs`, so that Node 20 runs
 * the bundled JavaScript that `run.ts` writes under `.ts` names.
 *
 * @module
 */
import { register } from "node:module";
import process from "node:process";

register("./ts_as_js.mjs", import.meta.url, {
  data: { root: process.env.TUSFLOW_NODE_LEG_ROOT ?? "" },
});
