// A real @tus/server (with a FileStore) for interop tests, run by Node as a
// separate process: `node tests/interop/tus_node_server.mjs [options]`.
//
// Options: --dir <path> (FileStore directory; default: a fresh temp dir,
// removed on exit), --cleanup (remove --dir on exit too, so a killed test
// run leaves nothing behind), --max-size <bytes> (Tus-Max-Size), --expiration <ms>
// (the store's expiration period: POST and PATCH answers then carry
// Upload-Expires, and an older upload answers 410).
//
// It listens on 127.0.0.1, port 0, then prints one JSON line on stdout:
//   {"endpoint":"http://127.0.0.1:PORT/files/","directory":"/tmp/...",
//    "pid":N,"node":"20.x","bun":null}
// and serves until it is killed or its stdin closes (so a parent that dies
// without cleaning up does not leave it running).
//
// Uncaught errors are not swallowed: @tus/server 2.4.5 on Node 20 sometimes
// dies on "ReadableStream is already closed", and the test helper reports a
// dead peer as such, with this process's stderr.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    cleanup: { type: "boolean" },
    "max-size": { type: "string" },
    expiration: { type: "string" },
  },
});

const removeOnExit = values.dir === undefined || values.cleanup === true;
const directory = values.dir ??
  mkdtempSync(join(tmpdir(), "tusflow-tus-node-server-"));

const datastore = new FileStore({
  directory,
  ...(values.expiration
    ? { expirationPeriodInMilliseconds: Number(values.expiration) }
    : {}),
});
const tus = new Server({
  path: "/files",
  datastore,
  ...(values["max-size"] ? { maxSize: Number(values["max-size"]) } : {}),
});

// "exit" also runs after an uncaught error, so an own temp dir never stays.
process.on("exit", () => {
  if (removeOnExit) rmSync(directory, { recursive: true, force: true });
});
const shutdown = (code) => process.exit(code);

const server = tus.listen({ host: "127.0.0.1", port: 0 }, () => {
  const { port } = server.address();
  process.stdout.write(
    JSON.stringify({
      endpoint: `http://127.0.0.1:${port}/files/`,
      directory,
      pid: process.pid,
      node: process.versions.node,
      // Set when `node` is Bun's node shim rather than Node.
      bun: process.versions.bun ?? null,
    }) + "\n",
  );
});
server.on("error", (error) => {
  console.error(`tus_node_server: cannot listen: ${error.stack ?? error}`);
  shutdown(2);
});

process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
process.stdin.on("end", () => shutdown(0));
process.stdin.on("error", () => shutdown(0));
process.stdin.resume();
