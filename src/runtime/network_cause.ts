/**
 * Names why a request never got an answer, from the error a runtime's
 * `fetch` rejected with. Each runtime says it its own way:
 *
 * - Node (undici): `TypeError: fetch failed` whose `cause` has `code`
 *   (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, `ERR_SSL_…`).
 * - Bun: the `TypeError` itself has `code` (`ECONNREFUSED`, `ENOTFOUND`,
 *   `ECONNRESET`, `EPROTO` for TLS); older versions used names such as
 *   `ConnectionRefused`.
 * - Deno: `TypeError: fetch failed` whose `cause` has only a message:
 *   "tcp connect error: Connection refused (os error 111)", "dns error:
 *   failed to lookup address information", "Connection reset by peer (os
 *   error 104)", "received corrupt message of type InvalidContentType"
 *   (TLS), "invalid peer certificate".
 *
 * @module
 */

/** One cause as shown to people: a short phrase and the usual code. */
interface Cause {
  readonly code: string;
  readonly phrase: string;
}

const CAUSES: Readonly<Record<string, Cause>> = {
  refused: { code: "ECONNREFUSED", phrase: "connection refused" },
  notFound: { code: "ENOTFOUND", phrase: "host name not found" },
  reset: { code: "ECONNRESET", phrase: "connection reset by the server" },
  timedOut: { code: "ETIMEDOUT", phrase: "connection timed out" },
  unreachable: { code: "ENETUNREACH", phrase: "network unreachable" },
  hostUnreachable: { code: "EHOSTUNREACH", phrase: "host unreachable" },
  pipe: { code: "EPIPE", phrase: "connection closed while sending" },
  tls: { code: "TLS", phrase: "TLS handshake failed" },
  certificate: { code: "TLS", phrase: "TLS certificate not accepted" },
};

/** Error codes (Node, Bun, and Bun's older names) to causes. */
const BY_CODE: Readonly<Record<string, Cause>> = {
  ECONNREFUSED: CAUSES.refused!,
  ConnectionRefused: CAUSES.refused!,
  ENOTFOUND: CAUSES.notFound!,
  EAI_AGAIN: CAUSES.notFound!,
  EAI_NONAME: CAUSES.notFound!,
  DNSException: CAUSES.notFound!,
  ECONNRESET: CAUSES.reset!,
  ConnectionReset: CAUSES.reset!,
  ConnectionClosed: CAUSES.reset!,
  UND_ERR_SOCKET: CAUSES.reset!,
  ETIMEDOUT: CAUSES.timedOut!,
  UND_ERR_CONNECT_TIMEOUT: CAUSES.timedOut!,
  ConnectionTimedOut: CAUSES.timedOut!,
  ENETUNREACH: CAUSES.unreachable!,
  EHOSTUNREACH: CAUSES.hostUnreachable!,
  EPIPE: CAUSES.pipe!,
  EPROTO: CAUSES.tls!,
  DEPTH_ZERO_SELF_SIGNED_CERT: CAUSES.certificate!,
  SELF_SIGNED_CERT_IN_CHAIN: CAUSES.certificate!,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: CAUSES.certificate!,
  CERT_HAS_EXPIRED: CAUSES.certificate!,
  ERR_TLS_CERT_ALTNAME_INVALID: CAUSES.certificate!,
};

/** Messages (Deno's, and any runtime that only has text) to causes. */
const BY_MESSAGE: ReadonlyArray<readonly [RegExp, Cause]> = [
  [/connection refused|os error 111\b|ECONNREFUSED/i, CAUSES.refused!],
  [
    /dns error|failed to lookup address|name or service not known|ENOTFOUND|getaddrinfo/i,
    CAUSES.notFound!,
  ],
  [
    /connection reset|os error 104\b|ECONNRESET|connection closed before message completed/i,
    CAUSES.reset!,
  ],
  [/timed out|os error 110\b|ETIMEDOUT/i, CAUSES.timedOut!],
  [/network is unreachable|os error 101\b/i, CAUSES.unreachable!],
  [/no route to host|os error 113\b/i, CAUSES.hostUnreachable!],
  [/broken pipe|os error 32\b/i, CAUSES.pipe!],
  [
    /certificate|UnknownIssuer|self[- ]signed|NotValidForName/i,
    CAUSES.certificate!,
  ],
  [
    /tls handshake|ssl routines|handshake fail|wrong version number|corrupt message|InvalidContentType/i,
    CAUSES.tls!,
  ],
];

/** How deep a `cause` chain is followed (chains can be cyclic). */
const MAX_DEPTH = 8;

/**
 * Why a request failed at the network level, as a short phrase with the
 * usual code: `"connection refused (ECONNREFUSED)"`, `"host name not found
 * (ENOTFOUND)"`, `"connection reset by the server (ECONNRESET)"`, `"TLS
 * handshake failed (TLS)"`… Walks `error.cause` and reads each level's
 * `code`, then its message. Codes win over messages at every depth.
 *
 * @param error What `fetch` (or a wrapper around it) rejected with.
 * @returns The phrase, or `null` when no network cause is recognised.
 * @example Naming Node's refused connection
 * ```ts
 * import { networkCause } from "./network_cause.ts";
 *
 * const error = new TypeError("fetch failed", {
 *   cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
 *     code: "ECONNREFUSED",
 *   }),
 * });
 * console.log(networkCause(error)); // "connection refused (ECONNREFUSED)"
 * ```
 */
export function networkCause(error: unknown): string | null {
  const cause = causeOf(error);
  return cause === null ? null : `${cause.phrase} (${cause.code})`;
}

/**
 * The usual code of a network failure's cause (`"ECONNREFUSED"`,
 * `"ENOTFOUND"`, `"ECONNRESET"`, `"TLS"`…), or `null`.
 *
 * @param error What `fetch` (or a wrapper around it) rejected with.
 */
export function networkCauseCode(error: unknown): string | null {
  return causeOf(error)?.code ?? null;
}

/**
 * The request provably never reached the server: the connection was
 * refused or the name did not resolve. Only then may a POST be re-sent
 * without risking a second upload.
 *
 * @param error What `fetch` (or a wrapper around it) rejected with.
 */
export function neverReachedServer(error: unknown): boolean {
  const code = networkCauseCode(error);
  return code === "ECONNREFUSED" || code === "ENOTFOUND";
}

function causeOf(error: unknown): Cause | null {
  const chain: unknown[] = [];
  for (
    let level = error;
    level !== null && level !== undefined && chain.length < MAX_DEPTH &&
    !chain.includes(level);
    level = (level as { cause?: unknown }).cause
  ) {
    chain.push(level);
    if (typeof level !== "object") break;
  }
  for (const level of chain) {
    const code = (level as { code?: unknown })?.code;
    if (typeof code === "string") {
      const known = BY_CODE[code];
      if (known) return known;
      if (/^ERR_SSL_|^ERR_TLS_/.test(code)) return CAUSES.tls!;
    }
  }
  for (const level of chain) {
    const message = typeof level === "string"
      ? level
      : (level as { message?: unknown })?.message;
    if (typeof message !== "string") continue;
    for (const [pattern, cause] of BY_MESSAGE) {
      if (pattern.test(message)) return cause;
    }
  }
  return null;
}
