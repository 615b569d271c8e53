/**
 * Test fixtures for TLS: a self-signed certificate made with `openssl`, and
 * a fetch handler served over HTTPS on loopback by whichever runtime runs
 * the test (`Deno.serve`, `Bun.serve`, or `node:https`). It imports nothing
 * from tusflow, so that the Node leg never bundles a second copy of it.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A PEM certificate and its private key. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

/**
 * A fresh self-signed certificate for `127.0.0.1` and `localhost`. It is an
 * end-entity certificate (`CA:FALSE`): rustls (Deno) refuses a CA
 * certificate as a server's, even one it was told to trust.
 */
export async function selfSignedCertificate(): Promise<CertificatePair> {
  const dir = await mkdtemp(join(tmpdir(), "tusflow-tls-"));
  try {
    const certPath = join(dir, "cert.pem");
    const keyPath = join(dir, "key.pem");
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "keyUsage=digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=serverAuth",
    ]); // deno-fmt-ignore
    return {
      cert: await readFile(certPath, "utf8"),
      key: await readFile(keyPath, "utf8"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, _stdout, stderr) => {
      if (error) reject(new Error(`Cannot run ${command}: ${stderr}`));
      else resolve();
    });
  });
}

/** A handler served over HTTPS on a loopback port. */
export interface HttpsServer extends AsyncDisposable {
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `handle` over HTTPS with `pair` on 127.0.0.1 and a free port. */
export async function serveHttps(
  pair: CertificatePair,
  handle: Handler,
): Promise<HttpsServer> {
  const { port, close } = "Deno" in globalThis
    ? serveDeno(pair, handle)
    : "Bun" in globalThis
    ? serveBun(pair, handle)
    : await serveNode(pair, handle);
  return {
    origin: `https://127.0.0.1:${port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Answers one request. */
export type Handler = (request: Request) => Response | Promise<Response>;
interface Served {
  port: number;
  close(): Promise<void>;
}

function serveDeno(pair: CertificatePair, handle: Handler): Served {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: pair.cert,
    key: pair.key,
    onListen() {},
    // A client that refuses the certificate is not a server error.
    onError: () => new Response(null, { status: 500 }),
  }, handle);
  return { port: server.addr.port, close: () => server.shutdown() };
}

interface BunServe {
  serve(options: {
    hostname: string;
    port: number;
    tls: { cert: string; key: string };
    fetch: Handler;
  }): { port: number; stop(force: boolean): Promise<void> | void };
}

function serveBun(pair: CertificatePair, handle: Handler): Served {
  const bun = (globalThis as unknown as { Bun: BunServe }).Bun;
  const server = bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: pair.cert, key: pair.key },
    fetch: handle,
  });
  return {
    port: server.port,
    close: async () => await server.stop(true),
  };
}

async function serveNode(
  pair: CertificatePair,
  handle: Handler,
): Promise<Served> {
  const https = await import("node:https");
  const { getRequestListener } = await import("@hono/node-server");
  const server = https.createServer(
    { cert: pair.cert, key: pair.key },
    getRequestListener(handle, { overrideGlobalObjects: false }),
  );
  // A client that refuses the certificate resets the handshake: not an error here.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
