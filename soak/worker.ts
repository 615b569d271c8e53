/**
 * A soak client process: runs one attempt of one upload and prints its
 * outcome as one JSON line on stdout. The soak kills it with SIGKILL at
 * random moments and starts a new one, which picks the upload up from its
 * FileUrlStorage (same file path, same endpoint).
 *
 * Run as `deno run -A soak/worker.ts '<AttemptConfig JSON>'` or
 * `bun soak/worker.ts '<AttemptConfig JSON>'`.
 *
 * @module
 */
import process from "node:process";
import { type AttemptConfig, runAttempt } from "./attempt.ts";

const config = JSON.parse(process.argv.at(-1) ?? "{}") as AttemptConfig;
const outcome = await runAttempt(config, null);
process.stdout.write(JSON.stringify(outcome) + "\n");
process.exit(0);
