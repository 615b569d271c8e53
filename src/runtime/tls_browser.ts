/**
 * The browser build's `tls.ts`: browsers always verify certificates, so the
 * insecure fetch is only its clear error, and none of the Node and Deno
 * transports are bundled. The npm package's `browser` export condition
 * resolves `tls.ts` to this file (see `npm-build.ts`).
 *
 * @module
 */
import type * as Tls from "./tls.ts";

export { describeTlsFailure } from "./tls_failure.ts";
export type { AgentSource } from "./tls.ts";

const BROWSER_VERIFIES =
  "this runtime (a browser?) always verifies TLS certificates; make the system or browser trust the certificate instead";

/**
 * Fails: a browser cannot turn certificate verification off.
 *
 * @throws {Error} always, saying what to do instead.
 */
export const insecureFetch: typeof Tls.insecureFetch = () => {
  throw new Error(`Cannot use verifyTlsCert: false: ${BROWSER_VERIFIES}`);
};

/**
 * Fails: there is no undici in a browser.
 *
 * @throws {Error} always (as a rejection).
 */
export const loadInsecureDispatcher: typeof Tls.loadInsecureDispatcher = () =>
  Promise.reject(
    new Error(`Cannot use verifyTlsCert: false: ${BROWSER_VERIFIES}`),
  );

export { bodyLength } from "./body_length.ts";
