/**
 * What a network error was, named the same way on every runtime: Node and
 * Bun put a code on the error or its cause, Deno only a message.
 *
 * @module
 */

/** Causes of a failed request that tusflow tells apart. */
export type NetworkCause =
  | "ECONNREFUSED"
  | "ENOTFOUND"
  | "ECONNRESET"
  | "ETIMEDOUT"
  | "TLS";

/** Message fragments (Deno, rustls, hyper) and the cause they mean. */
const MESSAGE_CAUSES: ReadonlyArray<[RegExp, NetworkCause]> = [
  [/connection refused|ECONNREFUSED|os error 111\b/i, "ECONNREFUSED"],
  [
    /dns error|failed to lookup address|ENOTFOUND|name or service not known/i,
    "ENOTFOUND",
  ],
  [/connection reset|ECONNRESET|os error 104\b|broken pipe/i, "ECONNRESET"],
  [/timed out|ETIMEDOUT/i, "ETIMEDOUT"],
  [/certificate|tls|ssl/i, "TLS"],
];

/** Codes (Node, undici, Bun) and the cause they mean. */
const CODE_CAUSES: Readonly<Record<string, NetworkCause>> = {
  ECONNREFUSED: "ECONNREFUSED",
  ConnectionRefused: "ECONNREFUSED",
  ENOTFOUND: "ENOTFOUND",
  EAI_AGAIN: "ENOTFOUND",
  EAI_NONAME: "ENOTFOUND",
  ECONNRESET: "ECONNRESET",
  ConnectionClosed: "ECONNRESET",
  UND_ERR_SOCKET: "ECONNRESET",
  EPIPE: "ECONNRESET",
  ETIMEDOUT: "ETIMEDOUT",
  UND_ERR_CONNECT_TIMEOUT: "ETIMEDOUT",
};

/**
 * The cause of a failed `fetch`, looked for along the `cause` chain, or
 * `null` when it names none of {@linkcode NetworkCause}.
 */
export function networkCause(error: unknown): NetworkCause | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    const { code, message, cause } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === "string") {
      if (code in CODE_CAUSES) return CODE_CAUSES[code]!;
      if (/CERT|SSL|TLS/.test(code)) return "TLS";
    }
    if (typeof message === "string") {
      const found = MESSAGE_CAUSES.find(([pattern]) => pattern.test(message));
      if (found) return found[1];
    }
    current = cause;
  }
  return null;
}

/**
 * The request provably never reached the server: the connection was
 * refused or the name did not resolve. Only then may a POST be re-sent
 * without risking a second upload.
 */
export function neverReachedServer(error: unknown): boolean {
  const cause = networkCause(error);
  return cause === "ECONNREFUSED" || cause === "ENOTFOUND";
}
