// Which client paths of this runtime see 104 interim responses. Plain
// JavaScript so that Node runs it as it is. Usage: <runtime> _interim_client.mjs URL
import http from "node:http";

const runtime = typeof Deno !== "undefined"
  ? `deno ${Deno.version.deno}`
  : typeof Bun !== "undefined"
  ? `bun ${Bun.version}`
  : `node ${process.versions.node}`;
const endpoint = globalThis.process?.argv?.[2] ?? Deno.args[0];
const headers = {
  "Upload-Draft-Interop-Version": "9",
  "Upload-Complete": "?1",
};
const body = "x".repeat(64);

function viaNodeHttp() {
  return new Promise((resolve) => {
    const seen = [];
    const req = http.request(endpoint, { method: "POST", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ final: res.statusCode, interim: seen }));
    });
    req.on("information", (info) => {
      seen.push({
        status: info.statusCode,
        location: Boolean(info.headers.location),
        offset: info.headers["upload-offset"] ?? null,
      });
    });
    req.on("error", (e) => resolve({ error: String(e), interim: seen }));
    req.end(body);
  });
}

async function viaFetch() {
  try {
    const res = await fetch(endpoint, { method: "POST", headers, body });
    await res.arrayBuffer();
    // fetch has no API for interim responses: all it can show is that the
    // final response arrived intact after them.
    return {
      final: res.status,
      location: Boolean(res.headers.get("location")),
    };
  } catch (e) {
    return { error: String(e) };
  }
}

console.log(JSON.stringify({
  client: runtime,
  nodeHttp: await viaNodeHttp(),
  fetch: await viaFetch(),
}));
