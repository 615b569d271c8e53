/**
 * Just enough HTTP/1.1 on raw sockets for the fault proxy: read a message
 * head, decode a body (Content-Length or chunked), write with backpressure.
 *
 * @module
 */
import type { Socket } from "node:net";

const CRLF2 = new Uint8Array([13, 10, 13, 10]);
const HEAD_LIMIT = 64 * 1024;
const latin1 = new TextDecoder("latin1");
const ascii = new TextEncoder();

/** A parsed request or response head. */
export interface MessageHead {
  /** `METHOD target HTTP/1.1` or `HTTP/1.1 status reason`. */
  readonly startLine: string;
  /** Header fields in order, names as sent. */
  readonly headers: Array<[string, string]>;
}

/** How a body ends. */
export type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

/** Reads a socket as a byte stream that can be consumed piece by piece. */
export class SocketReader {
  #iterator: AsyncIterator<Uint8Array>;
  #buffer: Uint8Array = new Uint8Array(0);
  #ended = false;

  /** @param socket A connected socket; this reader owns its data. */
  constructor(socket: Socket) {
    this.#iterator = (socket as AsyncIterable<Uint8Array>)[
      Symbol.asyncIterator
    ]();
  }

  async #more(): Promise<boolean> {
    if (this.#ended) return false;
    let next: IteratorResult<Uint8Array>;
    try {
      next = await this.#iterator.next();
    } catch {
      next = { done: true, value: undefined };
    }
    if (next.done) {
      this.#ended = true;
      return false;
    }
    const piece = new Uint8Array(next.value);
    this.#buffer = this.#buffer.length === 0
      ? piece
      : concat(this.#buffer, piece);
    return true;
  }

  /** The next head, or `null` when the stream ends (or sends garbage). */
  async readHead(): Promise<MessageHead | null> {
    for (;;) {
      const end = indexOf(this.#buffer, CRLF2);
      if (end !== -1) {
        const text = latin1.decode(this.#buffer.subarray(0, end));
        this.#buffer = this.#buffer.subarray(end + 4);
        const [startLine = "", ...lines] = text.split("\r\n");
        const headers: Array<[string, string]> = [];
        for (const line of lines) {
          const colon = line.indexOf(":");
          if (colon <= 0) return null;
          headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
        }
        return { startLine, headers };
      }
      if (this.#buffer.length > HEAD_LIMIT || !await this.#more()) return null;
    }
  }

  /** Up to `max` bytes, or `null` once the stream has ended. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (this.#buffer.length === 0 && !await this.#more()) return null;
    const piece = this.#buffer.subarray(0, max);
    this.#buffer = this.#buffer.subarray(piece.length);
    return piece;
  }

  async #readLine(): Promise<string | null> {
    for (;;) {
      const end = indexOf(this.#buffer, CRLF2.subarray(0, 2));
      if (end !== -1) {
        const line = latin1.decode(this.#buffer.subarray(0, end));
        this.#buffer = this.#buffer.subarray(end + 2);
        return line;
      }
      if (this.#buffer.length > HEAD_LIMIT || !await this.#more()) return null;
    }
  }

  /**
   * The decoded body, piece by piece.
   *
   * @throws {Error} when the stream ends before the body does.
   */
  async *body(framing: Framing): AsyncGenerator<Uint8Array> {
    if (framing.kind === "none") return;
    if (framing.kind === "length") {
      for (let left = framing.length; left > 0;) {
        const piece = await this.readSome(left);
        if (piece === null) throw new Error("Cannot read body: it ended early");
        left -= piece.length;
        yield piece;
      }
      return;
    }
    if (framing.kind === "close") {
      for (;;) {
        const piece = await this.readSome(Infinity);
        if (piece === null) return;
        yield piece;
      }
    }
    for (;;) {
      const line = await this.#readLine();
      const size = line === null ? NaN : parseInt(line.split(";")[0] ?? "", 16);
      if (!Number.isInteger(size) || size < 0) {
        throw new Error("Cannot read body: bad chunk size");
      }
      if (size === 0) {
        for (;;) { // trailer fields, up to the empty line
          const trailer = await this.#readLine();
          if (trailer === null) {
            throw new Error("Cannot read body: it ended early");
          }
          if (trailer === "") return;
        }
      }
      for (let left = size; left > 0;) {
        const piece = await this.readSome(left);
        if (piece === null) throw new Error("Cannot read body: it ended early");
        left -= piece.length;
        yield piece;
      }
      if (await this.#readLine() !== "") {
        throw new Error("Cannot read body: chunk not followed by CRLF");
      }
    }
  }
}

/** The value of a header (case-insensitive), or `null`. */
export function headerOf(head: MessageHead, name: string): string | null {
  const lower = name.toLowerCase();
  const found = head.headers.find(([key]) => key.toLowerCase() === lower);
  return found ? found[1] : null;
}

/** The head with `names` removed and `extra` appended. */
export function rewriteHead(
  head: MessageHead,
  remove: readonly string[],
  extra: Array<[string, string]> = [],
): MessageHead {
  const drop = new Set(remove.map((name) => name.toLowerCase()));
  return {
    startLine: head.startLine,
    headers: [
      ...head.headers.filter(([key]) => !drop.has(key.toLowerCase())),
      ...extra,
    ],
  };
}

/** The head as bytes, blank line included. */
export function encodeHead(head: MessageHead): Uint8Array {
  const lines = [head.startLine, ...head.headers.map(([k, v]) => `${k}: ${v}`)];
  return ascii.encode(lines.join("\r\n") + "\r\n\r\n");
}

/** How a request's body is framed. */
export function requestFraming(head: MessageHead): Framing {
  if (/chunked/i.test(headerOf(head, "transfer-encoding") ?? "")) {
    return { kind: "chunked" };
  }
  const length = Number(headerOf(head, "content-length") ?? "0");
  return length > 0 ? { kind: "length", length } : { kind: "none" };
}

/** How a response's body is framed, given the request method. */
export function responseFraming(head: MessageHead, method: string): Framing {
  const status = Number(head.startLine.split(" ")[1]);
  if (method === "HEAD" || status === 204 || status === 304) {
    return { kind: "none" };
  }
  if (/chunked/i.test(headerOf(head, "transfer-encoding") ?? "")) {
    return { kind: "chunked" };
  }
  const length = headerOf(head, "content-length");
  if (length === null) return { kind: "close" };
  return Number(length) > 0
    ? { kind: "length", length: Number(length) }
    : { kind: "none" };
}

/** One piece of a chunked body (an empty piece is skipped). */
export function encodeChunk(piece: Uint8Array): Uint8Array {
  if (piece.length === 0) return piece;
  return concat(
    concat(ascii.encode(piece.length.toString(16) + "\r\n"), piece),
    ascii.encode("\r\n"),
  );
}

/** The last chunk of a chunked body. */
export const LAST_CHUNK: Uint8Array = ascii.encode("0\r\n\r\n");

/**
 * Writes, waiting for the socket to drain.
 *
 * @throws {Error} when the socket closes first.
 */
export function write(socket: Socket, data: Uint8Array): Promise<void> {
  if (socket.destroyed) {
    return Promise.reject(new Error("Cannot write: the socket is closed"));
  }
  if (data.length === 0 || socket.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const drained = () => {
      cleanup();
      resolve();
    };
    const closed = () => {
      cleanup();
      reject(new Error("Cannot write: the socket closed"));
    };
    const cleanup = () => {
      socket.off("drain", drained);
      socket.off("close", closed);
    };
    socket.once("drain", drained);
    socket.once("close", closed);
  });
}

/** `a` then `b` in one array. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}
