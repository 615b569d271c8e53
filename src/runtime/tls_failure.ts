/**
 * Naming certificate failures: what fetch rejects with when the server's TLS
 * certificate is not trusted, read on every runtime. Small and free of Node
 * built-ins, so that browser bundles keep it while the insecure fetch of
 * `tls.ts` stays out of them.
 *
 * @module
 */

const CERT_CODES =
  /\b(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_REVOKED|CERT_UNTRUSTED|CERT_REJECTED|CERT_SIGNATURE_FAILURE|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)\b/;
const CERT_PHRASES =
  /invalid peer certificate: \w+|self[- ]signed certificate(?: in certificate chain)?|unable to verify the first certificate|unable to get (?:local )?issuer certificate|certificate has expired|certificate is not yet valid|Hostname\/IP does not match certificate's altnames|certificate verify failed/i;

/**
 * A description of `error` when it is a certificate failure, else `null`.
 * It reads the messages and codes of `error` and its causes: Node
 * (`fetch failed` caused by `self-signed certificate`,
 * `DEPTH_ZERO_SELF_SIGNED_CERT`), Bun (`self signed certificate` or
 * `unable to verify the first certificate`, with the OpenSSL code as `code`)
 * and Deno (`invalid peer certificate: UnknownIssuer` in the cause).
 *
 * The detail comes from the causes and codes; the error's own message only
 * when they say nothing, since callers quote that message anyway.
 *
 * @param error What fetch rejected with.
 * @returns `the server's TLS certificate was not trusted: <detail>`, or `null`.
 */
export function describeTlsFailure(error: unknown): string | null {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current != null; depth++) {
    const item = current as { message?: unknown; code?: unknown };
    texts.push(String(typeof item === "object" ? item.message ?? "" : item));
    if (typeof item === "object" && typeof item.code === "string") {
      texts.push(item.code);
    }
    current = typeof item === "object" ? (current as Error).cause : null;
  }
  const details = new Set<string>();
  for (const text of texts.slice(1)) {
    const found = text.match(CERT_PHRASES)?.[0] ?? text.match(CERT_CODES)?.[0];
    if (found) details.add(found);
  }
  // The error's own message is quoted by the caller; repeat it only when it
  // is the whole story.
  const own = texts[0]?.match(CERT_PHRASES)?.[0];
  if (details.size === 0 && own) details.add(own);
  if (details.size === 0) return null;
  return `the server's TLS certificate was not trusted: ${
    [...details].join(", ")
  }`;
}
