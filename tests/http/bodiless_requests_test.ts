/**
 * Requests without a body (OPTIONS, HEAD, DELETE, a POST without data):
 * on Node they share the client's keep-alive connections with the PATCHes
 * instead of loading a second HTTP stack (`fetch`); everywhere they follow
 * redirects as `fetch` does and carry the `Content-Length` it would.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { TusClient } from "../../mod.ts";
import { startTusServer, type TusServer } from "../../src/testing/mod.ts";
import { randomBytes } from "../_helpers.ts";

const ON_NODE = !("Deno" in globalThis) && !("Bun" in globalThis);

/** What the relay saw of one request. */
interface Seen {
  readonly method: string;
  readonly port: number;
  readonly contentLength: string | undefined;
}

/**
 * A relay in front of `server` that notes each request's client port and
 * `Content-Length`, and answers `GET`-less redirects for `/moved/<id>`.
 */
async function relayTo(server: TusServer): Promise<
  AsyncDisposable & { url: string; seen: Seen[] }
> {
  const seen: Seen[] = [];
  const target = new URL(server.url);
  const relay = http.createServer((request, response) => {
    seen.push({
      method: request.method ?? "",
      port: request.socket.remotePort ?? 0,
      contentLength: request.headers["content-length"],
    });
    const path = request.url ?? "/";
    if (path.startsWith("/moved/")) {
      response.writeHead(307, {
        Location: `${target.pathname}${path.slice("/moved/".length)}`,
      });
      response.end();
      return;
    }
    const forward = http.request({
      host: target.hostname,
      port: target.port,
      method: request.method,
      path,
      headers: request.headers,
    }, (answer) => {
      const headers = { ...answer.headers };
      if (typeof headers.location === "string") {
        const moved = new URL(headers.location, server.url);
        headers.location = moved.pathname;
      }
      response.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(response);
    });
    request.pipe(forward);
  });
  await new Promise<void>((resolve) =>
    relay.listen(0, "127.0.0.1", () => resolve())
  );
  const { port } = relay.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    seen,
    async [Symbol.asyncDispose]() {
      relay.closeAllConnections();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

describe("requests without a body", () => {
  test(
    "on Node an upload runs over one keep-alive connection: OPTIONS, POST, PATCHes, HEAD",
    { skip: !ON_NODE && "Deno's and Bun's fetch are native: they keep it" },
    async () => {
      await using server = await startTusServer();
      await using relay = await relayTo(server);
      const client = new TusClient(relay.url, { chunkSize: 64 * 1024 });
      const bytes = randomBytes(200_000);
      const url = await client.uploadFile({ fileStream: bytes });
      await client.getUploadInfo(url);
      await client.deleteUpload(url);
      const methods = relay.seen.map((s) => s.method);
      assert.deepEqual(methods, [
        "OPTIONS",
        "POST",
        "PATCH",
        "PATCH",
        "PATCH",
        "PATCH",
        "HEAD",
        "DELETE",
      ]);
      // One after another, they take the connection the last one freed
      // (the DELETE may come before the agent has the HEAD's back).
      const upload = relay.seen.slice(0, -1);
      const ports = new Set(upload.map((s) => s.port));
      assert.equal(
        ports.size,
        1,
        `connections: ${relay.seen.map((s) => `${s.method}@${s.port}`)}`,
      );
    },
  );

  test("carry the Content-Length this runtime's fetch would (a POST's 0)", async () => {
    await using server = await startTusServer();
    await using relay = await relayTo(server);
    const client = new TusClient(relay.url);
    const url = await client.uploadFile({ fileStream: new Uint8Array(0) });
    await client.getUploadInfo(url);
    await client.deleteUpload(url);
    const sent = relay.seen.splice(0).map((s) => [s.method, s.contentLength]);
    // The same requests through this runtime's own fetch.
    for (
      const [method, target] of [
        ["OPTIONS", relay.url],
        ["POST", relay.url],
        ["HEAD", url],
        ["DELETE", url],
      ]
    ) {
      const response = await fetch(target!, { method });
      await response.body?.cancel();
    }
    const fetched = relay.seen.map((s) => [s.method, s.contentLength]);
    assert.deepEqual(sent, fetched);
    assert.deepEqual(sent[1], ["POST", "0"]);
  });

  test("follow a redirect as fetch does (a HEAD answered 307)", async () => {
    await using server = await startTusServer();
    await using relay = await relayTo(server);
    const client = new TusClient(relay.url);
    const bytes = randomBytes(1000);
    const url = await client.uploadFile({ fileStream: bytes });
    const id = new URL(url).pathname.split("/").at(-1);
    const moved = new URL(`/moved/${id}`, relay.url).href;
    const info = await client.getUploadInfo(moved);
    assert.equal(info.offset, 1000);
    assert.deepEqual(
      relay.seen.slice(-2).map((s) => s.method),
      ["HEAD", "HEAD"],
    );
  });
});
