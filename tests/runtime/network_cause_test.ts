import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { describe, test } from "node:test";
import { networkCause } from "../../src/runtime/network_cause.ts";
import { closedPort } from "../_helpers.ts";

/** A loopback server that runs `onData` on each connection's first bytes. */
async function rawServer(
  onData: (socket: Socket) => void,
): Promise<Server & AsyncDisposable & { port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("data", () => onData(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(server, {
    port,
    [Symbol.asyncDispose]: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

async function fetchError(url: string): Promise<unknown> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
  } catch (error) {
    return error;
  }
  throw new Error(`Cannot test: ${url} answered`);
}

describe("networkCause() on this runtime's fetch", () => {
  test("a closed port is a refused connection", async () => {
    const error = await fetchError(`http://127.0.0.1:${await closedPort()}/`);
    assert.equal(networkCause(error), "connection refused (ECONNREFUSED)");
  });

  test("an unresolvable name is a name not found", async () => {
    const error = await fetchError("http://nonexistent.invalid/files/");
    assert.equal(networkCause(error), "host name not found (ENOTFOUND)");
  });

  test("a connection closed by the server is a reset", async () => {
    await using server = await rawServer((socket) => {
      // A reset, not a clean close: RST where the runtime can send one.
      (socket as Socket & { resetAndDestroy?: () => void })
        .resetAndDestroy?.() ?? socket.destroy();
    });
    const error = await fetchError(`http://127.0.0.1:${server.port}/`);
    assert.match(networkCause(error) ?? "", /\((ECONNRESET)\)$/);
  });

  test("https to a plain-text server is a TLS failure", async () => {
    await using server = await rawServer((socket) => {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    const error = await fetchError(`https://127.0.0.1:${server.port}/`);
    assert.match(networkCause(error) ?? "", /^TLS .*\(TLS\)$/);
  });
});

describe("networkCause() on error shapes", () => {
  const coded = (code: string) =>
    Object.assign(new Error(`boom ${code}`), { code });

  test("Node: the code of the cause", () => {
    const error = new TypeError("fetch failed", { cause: coded("ENOTFOUND") });
    assert.equal(networkCause(error), "host name not found (ENOTFOUND)");
    assert.equal(
      networkCause(
        new TypeError("fetch failed", {
          cause: coded("ERR_SSL_WRONG_VERSION_NUMBER"),
        }),
      ),
      "TLS handshake failed (TLS)",
    );
  });

  test("Bun: the code of the error itself, old names too", () => {
    assert.equal(
      networkCause(coded("ConnectionRefused")),
      "connection refused (ECONNREFUSED)",
    );
    assert.equal(networkCause(coded("EPROTO")), "TLS handshake failed (TLS)");
  });

  test("Deno: the message of the cause", () => {
    const deno = (message: string) =>
      new TypeError("fetch failed", { cause: new Error(message) });
    assert.equal(
      networkCause(deno(
        "error sending request for url (http://127.0.0.1:9/): client error (Connect): tcp connect error: Connection refused (os error 111)",
      )),
      "connection refused (ECONNREFUSED)",
    );
    assert.equal(
      networkCause(deno(
        "client error (Connect): dns error: failed to lookup address information: Name or service not known",
      )),
      "host name not found (ENOTFOUND)",
    );
    assert.equal(
      networkCause(deno("Connection reset by peer (os error 104)")),
      "connection reset by the server (ECONNRESET)",
    );
    assert.equal(
      networkCause(deno(
        "error sending request from 127.0.0.1:56274 for http://127.0.0.1:32949/files/ (127.0.0.1:32949): client error (SendRequest): connection closed before message completed",
      )),
      "connection reset by the server (ECONNRESET)",
    );
    assert.equal(
      networkCause(deno(
        "client error (Connect): invalid peer certificate: UnknownIssuer",
      )),
      "TLS certificate not accepted (TLS)",
    );
  });

  test("a deeper chain: a wrapper around the fetch error", () => {
    const wrapped = new Error("Cannot create upload: network error", {
      cause: new TypeError("fetch failed", { cause: coded("ECONNRESET") }),
    });
    assert.equal(
      networkCause(wrapped),
      "connection reset by the server (ECONNRESET)",
    );
  });

  test("no network cause: null, also for cycles and non-errors", () => {
    assert.equal(networkCause(new Error("server answered 500")), null);
    assert.equal(networkCause(null), null);
    assert.equal(networkCause("text"), null);
    assert.equal(networkCause({ code: 42 }), null);
    const cyclic: { message: string; cause?: unknown } = { message: "loop" };
    cyclic.cause = cyclic;
    assert.equal(networkCause(cyclic), null);
    assert.equal(
      networkCause(new Error("at https://tls.example.com/files/")),
      null,
    );
  });
});
