/**
 * Helpers for the wire tests: a node:http server that holds a request body
 * unread until told, records what it received, and a bounded wait for a
 * value to stop moving.
 *
 * @module
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";

/** One request as the holding server saw it. */
export interface HeldRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body bytes read so far. */
  received: number;
}

/** A server that reads no request body until `release()`. */
export interface HoldingServer extends AsyncDisposable {
  readonly url: string;
  readonly requests: readonly HeldRequest[];
  /** Starts reading every held body (and every later one at once). */
  release(): void;
}

/**
 * Starts a loopback server that answers `204` with the `Content-Length` it
 * saw once a body is read; bodies stay unread until `release()`.
 *
 * @param answer Replaces the `204` (e.g. a redirect).
 */
export async function holdingServer(
  answer?: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<HoldingServer> {
  const requests: HeldRequest[] = [];
  const held: IncomingMessage[] = [];
  let released = false;
  const server = createServer((request, response) => {
    const entry: HeldRequest = {
      method: request.method ?? "",
      headers: request.headers,
      received: 0,
    };
    requests.push(entry);
    request.on("data", (piece: Uint8Array) => entry.received += piece.length);
    request.on("end", () => {
      if (answer) return answer(request, response);
      response.writeHead(204, { "Upload-Offset": String(entry.received) });
      response.end();
    });
    if (released) return;
    request.pause();
    held.push(request);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/files/1`,
    requests,
    release() {
      released = true;
      for (const request of held.splice(0)) request.resume();
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Waits until `read()` gives the same value twice, 50 ms apart (at most
 * 200 tries), and returns it.
 */
export async function settled(read: () => number): Promise<number> {
  let last = read();
  for (let i = 0; i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = read();
    if (now === last && now > 0) return now;
    last = now;
  }
  return last;
}

/** Whether `values` only grow. */
export function increasing(values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || value > values[i - 1]!);
}
