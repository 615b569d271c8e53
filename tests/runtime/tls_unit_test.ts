/**
 * `describeTlsFailure` on each runtime's certificate errors (the real one of
 * the runtime running the test, and the recorded shapes of the others), and
 * Node's two sources of an insecure undici Agent.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  describeTlsFailure,
  insecureFetch,
  loadInsecureDispatcher,
} from "../../src/runtime/tls.ts";
import { selfSignedCertificate, serveHttps } from "./_https.ts";

const IS_NODE = !("Deno" in globalThis) && !("Bun" in globalThis);
const PREFIX = "the server's TLS certificate was not trusted: ";

function chain(message: string, cause?: unknown, code?: string): Error {
  const error = new TypeError(message, { cause });
  if (code) Object.assign(error, { code });
  return error;
}

describe("describeTlsFailure()", () => {
  test("names Node's self-signed failure from the cause of 'fetch failed'", () => {
    const cause = chain(
      "self-signed certificate",
      undefined,
      "DEPTH_ZERO_SELF_SIGNED_CERT",
    );
    assert.equal(
      describeTlsFailure(chain("fetch failed", cause)),
      `${PREFIX}self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT`,
    );
  });

  test("names Node's hostname mismatch and expiry", () => {
    const altnames = chain(
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1",
      undefined,
      "ERR_TLS_CERT_ALTNAME_INVALID",
    );
    assert.match(
      describeTlsFailure(chain("fetch failed", altnames)) ?? "",
      /not trusted: Hostname\/IP does not match certificate's altnames, ERR_TLS_CERT_ALTNAME_INVALID$/,
    );
    const expired = chain(
      "certificate has expired",
      undefined,
      "CERT_HAS_EXPIRED",
    );
    assert.match(
      describeTlsFailure(chain("fetch failed", expired)) ?? "",
      /certificate has expired/,
    );
  });

  test("names Bun's failures by the OpenSSL code on the error itself", () => {
    assert.equal(
      describeTlsFailure(
        chain(
          "self signed certificate",
          undefined,
          "DEPTH_ZERO_SELF_SIGNED_CERT",
        ),
      ),
      `${PREFIX}DEPTH_ZERO_SELF_SIGNED_CERT`,
    );
    assert.equal(
      describeTlsFailure(
        chain(
          "unable to verify the first certificate",
          undefined,
          "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        ),
      ),
      `${PREFIX}UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
    );
    assert.equal(
      describeTlsFailure(chain("unable to verify the first certificate")),
      `${PREFIX}unable to verify the first certificate`,
    );
  });

  test("names Deno's rustls reason from the cause", () => {
    for (const reason of ["UnknownIssuer", "NotValidForName", "Expired"]) {
      const cause = chain(
        `error sending request for url (https://127.0.0.1:4433/files/): client error (Connect): invalid peer certificate: ${reason}`,
      );
      assert.equal(
        describeTlsFailure(chain("fetch failed", cause)),
        `${PREFIX}invalid peer certificate: ${reason}`,
      );
    }
  });

  test("is null for network errors that are not about certificates", () => {
    const refused = chain(
      "connect ECONNREFUSED 127.0.0.1:1",
      undefined,
      "ECONNREFUSED",
    );
    for (
      const error of [
        chain("fetch failed", refused),
        chain(
          "fetch failed",
          chain("other side closed", undefined, "UND_ERR_SOCKET"),
        ),
        chain(
          "error sending request for url (http://127.0.0.1:1/): client error (Connect): tcp connect error: Connection refused (os error 111)",
        ),
        new DOMException("The signal has been aborted", "AbortError"),
        "a client certificate is required",
        null,
        undefined,
      ]
    ) {
      assert.equal(describeTlsFailure(error), null, String(error));
    }
  });

  test("names the real error this runtime's fetch gives for a self-signed certificate", async () => {
    await using server = await serveHttps(
      await selfSignedCertificate(),
      () => new Response("ok"),
    );
    const error = await fetch(server.origin).then(async (r) => {
      await r.body?.cancel();
      return null;
    }, (e: unknown) => e);
    assert.ok(error, "fetch must refuse a self-signed certificate");
    assert.ok(describeTlsFailure(error)?.startsWith(PREFIX), String(error));
  });
});

describe("insecureFetch()", () => {
  test("reaches a self-signed server through the runtime's own mechanism", async () => {
    await using server = await serveHttps(
      await selfSignedCertificate(),
      async (request) =>
        new Response(
          `${request.method} ${(await request.arrayBuffer()).byteLength}`,
        ),
    );
    const send = insecureFetch(globalThis.fetch);
    const posted = await send(
      new Request(server.origin, {
        method: "POST",
        body: new Uint8Array(1000),
      }),
    );
    assert.equal(await posted.text(), "POST 1000");
    const head = await send(server.origin, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
  });

  for (const source of ["package", "builtin"] as const) {
    test(`on Node, an Agent from the ${source} undici skips verification`, {
      skip: !IS_NODE && "Node only",
    }, async () => {
      await using server = await serveHttps(
        await selfSignedCertificate(),
        () => new Response("ok"),
      );
      const dispatcher = await loadInsecureDispatcher([source]);
      const init = { dispatcher } as RequestInit;
      const response = await fetch(server.origin, init);
      assert.equal(await response.text(), "ok");
    });
  }
});
