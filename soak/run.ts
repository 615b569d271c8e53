/**
 * The seeded chaos soak, as a command:
 *
 * ```sh
 * node_modules/.bin/deno run -A soak/run.ts --seed 42 --minutes 10 --server hono --concurrency 16
 * node_modules/.bin/bun soak/run.ts --seed 42 --minutes 2 --server tus-node-server --concurrency 8
 * node_modules/.bin/deno run -A soak/run.ts --seed 42 --server hono --only 123456789
 * ```
 *
 * Prints the seed, a line per upload that did not simply complete (with its
 * own seed, for `--only`), and a closing line with every figure. Exits 1
 * when an upload was lost, 2 on bad arguments.
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import type { ServerName } from "./plan.ts";
import { closingLine, runSoak } from "./soak.ts";

const USAGE =
  "usage: soak/run.ts --seed N --minutes M --server hono|tus-node-server [--concurrency C] [--uploads N] [--max-size BYTES] [--only SEED] [--trace] [--verbose]";

function number(
  name: string,
  value: string | undefined,
  fallback?: number,
): number {
  if (value === undefined) {
    if (fallback === undefined) fail(`--${name} is required`);
    return fallback as number;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    fail(`--${name} must be a number >= 0`);
  }
  return parsed;
}

function fail(message: string): never {
  console.error(`Cannot run the soak: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      seed: { type: "string" },
      minutes: { type: "string" },
      server: { type: "string" },
      concurrency: { type: "string" },
      uploads: { type: "string" },
      only: { type: "string" },
      trace: { type: "boolean" },
      verbose: { type: "boolean" },
      "max-size": { type: "string" },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
const server = values.server ?? "hono";
if (server !== "hono" && server !== "tus-node-server") {
  fail(`unknown server ${JSON.stringify(server)}`);
}
const report = await runSoak({
  seed: number("seed", values.seed),
  server: server as ServerName,
  minutes: number("minutes", values.minutes, values.only ? 5 : undefined),
  concurrency: Math.max(
    1,
    Math.floor(number("concurrency", values.concurrency, 16)),
  ),
  uploads: values.uploads === undefined
    ? undefined
    : number("uploads", values.uploads),
  only: values.only === undefined ? undefined : number("only", values.only),
  trace: values.trace ?? false,
  verbose: values.verbose ?? false,
  maxSize: values["max-size"] === undefined
    ? undefined
    : number("max-size", values["max-size"]),
});
console.log(closingLine(report));
process.exit(report.lost > 0 ? 1 : 0);
