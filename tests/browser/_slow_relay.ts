/**
 * A loopback TCP relay in front of a server that reads what the client
 * sends slowly (bytes, then a pause as long as they would take at its
 * pace), while the answers pass at once. A
 * client's upload then goes out at the relay's pace on every runtime,
 * whatever the server behind it buffers by itself.
 *
 * @module
 */
import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** A running relay; `url(u)` is `u` with the relay's host and port. */
export interface SlowRelay extends AsyncDisposable {
  readonly port: number;
  url(target: string): string;
}

/**
 * Starts a relay to `target` (an `http://` URL whose host and port are
 * used) that passes the client's bytes at about `bytesPerSecond`.
 */
export async function startSlowRelay(
  target: string,
  options: { bytesPerSecond: number },
): Promise<SlowRelay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on("data", (bytes: Uint8Array) => client.write(bytes));
    upstream.on("end", () => client.end());
    client.on("end", () => upstream.end());
    client.on("data", (bytes: Uint8Array) => {
      // Pass the bytes on, then take no more until they would have taken
      // their time at the relay's pace.
      upstream.write(bytes);
      client.pause();
      const timer = setTimeout(() => {
        timers.delete(timer);
        client.resume();
      }, Math.ceil((bytes.length * 1000) / options.bytesPerSecond));
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const own = (server.address() as AddressInfo).port;
  return {
    port: own,
    url(given) {
      const url = new URL(given);
      url.host = `127.0.0.1:${own}`;
      return url.href;
    },
    async [Symbol.asyncDispose]() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
