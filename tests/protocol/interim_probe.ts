/**
 * Measures which client paths see the draft server's 104 interim responses,
 * for every pair of server runtime (this one) and client runtime (Node, Deno,
 * Bun). Run it under each runtime:
 *
 *   node_modules/.bin/deno run -A tests/protocol/interim_probe.ts
 *   node_modules/.bin/bun tests/protocol/interim_probe.ts
 *   node_modules/.bin/esbuild tests/protocol/interim_probe.ts --bundle \
 *     --platform=node --format=esm --outfile=tests/protocol/_probe.mjs &&
 *     node tests/protocol/_probe.mjs; rm tests/protocol/_probe.mjs
 *
 * Each line printed is one client runtime's view of this server.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startDraftServer } from "../../src/testing/mod.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const bin = fileURLToPath(new URL("../../node_modules/.bin/", import.meta.url));
const server = typeof Deno !== "undefined"
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

const draft = await startDraftServer({ progressEvery: 16 });
const client = `${here}_interim_client.mjs`;
const commands: Array<[string, string[]]> = [
  ["node", [client, draft.url]],
  [`${bin}deno`, ["run", "-A", client, draft.url]],
  [`${bin}bun`, [client, draft.url]],
];
for (const [command, args] of commands) {
  const output = await new Promise<string>((resolve) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (piece) => (out += piece));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
  console.log(JSON.stringify({ server, ...JSON.parse(output || "{}") }));
}
await draft.close();
