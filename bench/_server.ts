/**
 * Starts `bench/serve.ts` in a child process (same runtime) and stops it.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

const SERVE = fileURLToPath(new URL("./serve.ts", import.meta.url));

/** A tus server in another process. */
export interface BenchServer extends AsyncDisposable {
  readonly url: string;
}

/** Starts the discarding server and waits for its URL (10 s at most). */
export function startBenchServer(): Promise<BenchServer> {
  const args = "Deno" in globalThis ? ["run", "-A", SERVE] : [SERVE];
  const child = spawn(process.execPath, args, {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("Cannot start bench server: no URL in 10 s")),
      10_000,
    );
    let out = "";
    child.stdout!.on("data", (data) => {
      out += String(data);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      clearTimeout(timer);
      resolve({
        url: JSON.parse(line).url,
        [Symbol.asyncDispose]: () =>
          new Promise<void>((done) => {
            child.on("close", () => done());
            child.stdin!.end();
          }),
      });
    });
    child.on("error", reject);
  });
}
