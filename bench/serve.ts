/**
 * The benchmark's server: our Hono tus server in its own process, keeping
 * no bytes (it counts them), so the client is what is measured. Prints its
 * endpoint as one JSON line, then serves until stdin closes.
 *
 * Each `report` line on stdin answers one JSON line about what happened
 * since the previous report: requests by method, body bytes read, and the
 * uploads created with how many of them are complete (offset == length).
 * Cases run one at a time, so a report covers exactly one case.
 *
 * @module
 */
import process from "node:process";
import { startTusServer } from "../src/testing/mod.ts";

/** What one `report` line answers. */
export interface ServeReport {
  /** Requests handled since the last report. */
  requests: number;
  /** The same, by effective method. */
  methods: Record<string, number>;
  /** Requests answered with a status of 400 or more, or not answered. */
  failed: number;
  /** Requests that carried an `Upload-Checksum` header. */
  checksummed: number;
  /** Request body bytes read. */
  bodyBytes: number;
  /** Uploads created. */
  uploads: number;
  /** Of those, the ones whose offset equals their (known) length. */
  complete: number;
  /** Bytes the created uploads hold (sum of offsets). */
  storedBytes: number;
}

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

let requestsSeen = 0;
let uploadsSeen = 0;

function report(): ServeReport {
  const requests = server.requests.slice(requestsSeen);
  requestsSeen += requests.length;
  const records = server.store.list();
  const fresh = records.slice(uploadsSeen);
  uploadsSeen = records.length;
  const methods: Record<string, number> = {};
  let failed = 0;
  let checksummed = 0;
  let bodyBytes = 0;
  for (const entry of requests) {
    methods[entry.effectiveMethod] = (methods[entry.effectiveMethod] ?? 0) +
      1;
    if (entry.status === 0 || entry.status >= 400) failed++;
    bodyBytes += entry.bodyBytes;
    if (entry.headers["upload-checksum"] !== undefined) checksummed++;
  }
  let complete = 0;
  let storedBytes = 0;
  for (const record of fresh) {
    const upload = server.uploadOf(record.url);
    if (!upload) continue;
    storedBytes += upload.offset;
    if (upload.length !== null && upload.offset === upload.length) complete++;
  }
  return {
    requests: requests.length,
    methods,
    failed,
    checksummed,
    bodyBytes,
    uploads: fresh.length,
    complete,
    storedBytes,
  };
}

console.log(JSON.stringify({ url: server.url }));
let pending = "";
process.stdin.on("data", (data) => {
  pending += String(data);
  let end;
  while ((end = pending.indexOf("\n")) !== -1) {
    const line = pending.slice(0, end).trim();
    pending = pending.slice(end + 1);
    if (line === "report") console.log(JSON.stringify(report()));
  }
});
process.stdin.on("end", () => server.close().then(() => process.exit(0)));
