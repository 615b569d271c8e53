/**
 * TLS per runtime: accepting self-signed certificates where the runtime
 * allows it, and naming certificate failures clearly.
 *
 * @module
 */

/**
 * A fetch that accepts any server certificate, built on `base`.
 *
 * @throws {Error} naming what to do instead where the runtime cannot.
 */
export function insecureFetch(base: typeof fetch): typeof fetch {
  // TODO(#4): Bun (tls.rejectUnauthorized), Node (undici dispatcher), Deno (clear error).
  return base;
}

/**
 * A description of `error` when it is a certificate failure, else `null`.
 */
export function describeTlsFailure(error: unknown): string | null {
  const text = String((error as Error)?.message ?? error) +
    String(((error as Error)?.cause as Error)?.message ?? "");
  return /certificate|self[- ]signed|UnknownIssuer|CERT_/i.test(text)
    ? "the server's TLS certificate was not trusted"
    : null;
}
