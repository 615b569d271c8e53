/**
 * The benchmark's server: our Hono tus server in its own process, keeping
 * no bytes (it counts them), so the client is what is measured. Prints its
 * endpoint as one JSON line, then serves until stdin closes.
 *
 * @module
 */
import process from "node:process";
import { startTusServer } from "../src/testing/mod.ts";

const server = await startTusServer({
  discardBytes: true,
  cutConnections: false,
  // Without the checksum extension the server ignores Upload-Checksum (as
  // @tus/server does): verifying it serially per request would make the
  // server, not the client, the bottleneck of every checksummed run.
  extensions: [
    "creation",
    "creation-with-upload",
    "creation-defer-length",
    "termination",
    "expiration",
    "concatenation",
  ],
});
console.log(JSON.stringify({ url: server.url }));
process.stdin.resume();
process.stdin.on("end", () => server.close().then(() => process.exit(0)));
