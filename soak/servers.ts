/**
 * The two servers a soak runs against, behind one interface that also reads
 * back what the server stored: our Hono server in this process, or
 * @tus/server 2.4.5 with a FileStore in a Node child process.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { startTusServer } from "../src/testing/mod.ts";
import { TusNodeServer } from "../tests/interop/_tus_node_server.ts";
import type { ServerName } from "./plan.ts";

/** What the server holds of an upload, read behind the client's back. */
export interface Stored {
  /** Every byte is there (offset equals the declared length). */
  readonly complete: boolean;
  readonly offset: number;
  readonly length: number | null;
  /** SHA-256 of the stored bytes, hex; `null` when there are none to read. */
  readonly sha256: string | null;
}

/** A running soak server. */
export interface SoakServer extends AsyncDisposable {
  readonly name: ServerName;
  /** `http://127.0.0.1:PORT` of the server itself (not the proxy). */
  readonly origin: string;
  /** Creation path, e.g. `/files/`. */
  readonly basePath: string;
  /** Whether the server verifies `Upload-Checksum` (460 on a mismatch). */
  readonly checksChecksums: boolean;
  /** Whether `parallelUploads` can work (concatenation). */
  readonly concatenation: boolean;
  /** What is stored for an upload URL (any origin: its path counts). */
  stored(uploadUrl: string): Promise<Stored | null>;
  /** Frees an upload (and a final upload's parts). */
  remove(uploadUrl: string): Promise<void>;
  /** `null` while running, else why the server is gone. */
  died(): string | null;
  close(): Promise<void>;
}

/**
 * Starts a soak server on 127.0.0.1 and a free port.
 *
 * @example Our Hono server
 * ```ts ignore
 * import { startSoakServer } from "./servers.ts";
 *
 * await using server = await startSoakServer("hono");
 * console.log(server.origin.startsWith("http://127.0.0.1:")); // true
 * ```
 */
export async function startSoakServer(name: ServerName): Promise<SoakServer> {
  return name === "hono" ? await startHono() : await startTusNode();
}

async function startHono(): Promise<SoakServer> {
  // The proxy cuts connections itself: no relay needed.
  const server = await startTusServer({ cutConnections: false });
  const url = new URL(server.url);
  const close = () => server.close();
  return {
    name: "hono",
    origin: url.origin,
    basePath: url.pathname,
    checksChecksums: true,
    concatenation: true,
    stored(uploadUrl) {
      const upload = server.uploadOf(uploadUrl);
      if (upload === null) return Promise.resolve(null);
      const bytes = server.bytesOf(uploadUrl);
      return Promise.resolve({
        complete: upload.complete,
        offset: upload.offset,
        length: upload.length,
        sha256: bytes === null ? null : sha256(bytes),
      });
    },
    async remove(uploadUrl) {
      const upload = server.uploadOf(uploadUrl);
      for (const target of [uploadUrl, ...(upload?.parts ?? [])]) {
        await deleteDirect(url.origin, target);
      }
    },
    died: () => null,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function startTusNode(): Promise<SoakServer> {
  const server = await TusNodeServer.start();
  const url = new URL(server.endpoint);
  const close = () => server.close();
  return {
    name: "tus-node-server",
    origin: url.origin,
    basePath: url.pathname,
    checksChecksums: false,
    concatenation: false,
    async stored(uploadUrl) {
      const direct = url.origin + new URL(uploadUrl).pathname;
      const response = await fetch(direct, {
        method: "HEAD",
        headers: { "Tus-Resumable": "1.0.0" },
      });
      await response.body?.cancel();
      if (!response.ok) return null;
      const offset = Number(response.headers.get("Upload-Offset"));
      const declared = response.headers.get("Upload-Length");
      const length = declared === null ? null : Number(declared);
      const size = await server.storedSize(uploadUrl);
      const bytes = size === null ? null : await server.storedBytes(uploadUrl);
      return {
        complete: length !== null && offset === length,
        offset,
        length,
        sha256: bytes === null ? null : sha256(bytes),
      };
    },
    async remove(uploadUrl) {
      await deleteDirect(url.origin, uploadUrl);
    },
    died: () => (server.alive ? null : server.diedError().message),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function deleteDirect(origin: string, uploadUrl: string): Promise<void> {
  try {
    const response = await fetch(origin + new URL(uploadUrl).pathname, {
      method: "DELETE",
      headers: { "Tus-Resumable": "1.0.0" },
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
  } catch { /* freeing is best effort */ }
}

/** SHA-256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
