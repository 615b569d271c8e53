/**
 * Shared test helpers: real files in temp dirs, digests, and request-log
 * queries. No fetch stubs: every test talks HTTP over loopback.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Pseudo-random bytes (fast, deterministic per seed). */
export function randomBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let state = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Hex SHA-256 of `bytes` (or `null` passed through). */
export function sha256(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  return createHash("sha256").update(bytes).digest("hex");
}

/** A file of `size` random bytes in its own temp directory. */
export interface TempFile extends AsyncDisposable {
  readonly path: string;
  readonly dir: string;
  readonly bytes: Uint8Array;
}

/** Writes `size` random bytes (or `bytes`) to a new temp file. */
export async function tempFile(
  content: number | Uint8Array,
  name = "upload.bin",
): Promise<TempFile> {
  const bytes = typeof content === "number" ? randomBytes(content) : content;
  const dir = await mkdtemp(join(tmpdir(), "tusflow-test-"));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return {
    path,
    dir,
    bytes,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A request log entry, as far as tests look at it. */
export interface LoggedRequest {
  readonly method: string;
  readonly effectiveMethod?: string;
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
}

/** "METHOD status" for each logged request, to assert whole sequences. */
export function sequence(requests: readonly LoggedRequest[]): string[] {
  return requests.map((request) => `${request.method} ${request.status}`);
}

/** The logged requests of one method. */
export function requestsOf<T extends LoggedRequest>(
  requests: readonly T[],
  method: string,
): T[] {
  return requests.filter((request) => request.method === method);
}

/** Milliseconds a promise took to settle, and how it settled. */
export async function timed<T>(
  promise: Promise<T>,
): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/** A stream yielding `bytes` in pieces of `piece` bytes, pulled on demand. */
export function streamOf(
  bytes: Uint8Array,
  piece = 7000,
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

/** A loopback port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
