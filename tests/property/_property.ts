/**
 * Shared settings of the property tests: how many runs, and how a property
 * that documents a known defect is kept out of the normal run.
 *
 * @module
 */
import process from "node:process";

/**
 * Runs per property: `TUSFLOW_PROPERTY_RUNS` when set (a deeper search),
 * else `runs`.
 */
export function runs(runs: number): { numRuns: number } {
  const asked = Number(process.env.TUSFLOW_PROPERTY_RUNS);
  return { numRuns: Number.isSafeInteger(asked) && asked > 0 ? asked : runs };
}

/**
 * The `skip` option of a property that fails on today's code because of a
 * known defect: skipped with the reason, unless `TUSFLOW_KNOWN_DEFECTS=1`
 * asks to run it (to see the counterexample, or to check a fix).
 */
export function knownDefect(reason: string): string | false {
  return process.env.TUSFLOW_KNOWN_DEFECTS === "1"
    ? false
    : `known defect: ${reason}`;
}
