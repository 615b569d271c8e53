/**
 * Helpers for the client tests: a client tuned for fast retries, open file
 * handles by path, state names, and a server whose 412 names another
 * version. Everything talks real HTTP over loopback.
 *
 * @module
 */
import { readdirSync, readlinkSync } from "node:fs";
import {
  TusClient,
  type TusClientOptions,
  TusCommunicationError,
  TusUploadFailed,
} from "../../mod.ts";
import { createTusApp, type TusApp } from "../../src/testing/mod.ts";
import { serve } from "../../src/runtime/serve.ts";

/** A UUID v4, as `X-Request-ID` carries it. */
export const UUID_V4 =
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A client for `server` with 1 ms retries unless told otherwise. */
export function clientFor(
  server: { url: string },
  options: TusClientOptions = {},
): TusClient {
  return new TusClient(server.url, { retryDelay: 1, ...options });
}

/** OPTIONS, POST, PATCH…, HEAD and DELETE: one request of every kind. */
export async function everyKind(
  client: TusClient,
  content: Uint8Array,
): Promise<string> {
  await client.getServerInfo();
  const url = await client.uploadFile({ fileStream: content });
  await client.getUploadInfo(url);
  await client.deleteUpload(url);
  return url;
}

/** A `TusCommunicationError` (not `TusUploadFailed`) with `status`. */
export function isCommunicationError(
  status: number | null,
): (error: unknown) => boolean {
  return (error) =>
    error instanceof TusCommunicationError &&
    !(error instanceof TusUploadFailed) && error.statusCode === status;
}

/**
 * How many descriptors of this process point at `path`: the proof that a
 * file handle was released. `null` where `/proc/self/fd` does not exist.
 */
export function openHandlesTo(path: string): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc/self/fd");
  } catch {
    return null;
  }
  let count = 0;
  for (const entry of entries) {
    try {
      if (readlinkSync(`/proc/self/fd/${entry}`) === path) count++;
    } catch {
      // The descriptor closed while we looked (the listing's own one).
    }
  }
  return count;
}

/** A machine or uploader state value as a dotted name (`"conflict.head"`). */
export function stateName(value: unknown): string {
  if (typeof value === "string") return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ??
    [];
  return key === undefined ? "" : `${key}.${stateName(child)}`;
}

/** A running tus app whose 412 answers advertise other versions. */
export interface VersionedServer extends AsyncDisposable {
  readonly url: string;
  readonly tus: TusApp;
}

/**
 * The test server's app behind a loopback server that answers 412 with
 * `Tus-Version: versions`, to see which version an error names.
 */
export async function serverWith412(
  versions: string,
): Promise<VersionedServer> {
  const tus = createTusApp();
  const served = await serve(async (request, connection) => {
    const response = await tus.app.fetch(request, { connection });
    if (response.status === 412) response.headers.set("Tus-Version", versions);
    return response;
  }, { hostname: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${served.port}${tus.basePath}`,
    tus,
    [Symbol.asyncDispose]: () => served.close(),
  };
}
