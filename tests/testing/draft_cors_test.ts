import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startDraftServer } from "../../src/testing/mod.ts";
import {
  append,
  createEmpty,
  hold,
  INTEROP,
  PARTIAL,
  request,
  until,
} from "./_draft_helpers.ts";

const ORIGIN = { Origin: "http://127.0.0.1:1" } as const;
const EXPOSED = [
  "location",
  "upload-offset",
  "upload-complete",
  "upload-length",
  "upload-limit",
  "upload-draft-interop-version",
  "retry-after",
];

/** The lower-case names a comma-separated header lists. */
const names = (value: string | undefined) =>
  (value ?? "").split(",").map((name) => name.trim().toLowerCase()).filter(
    Boolean,
  );

/** A preflight as Chromium sends it: no draft field at all. */
function preflight(url: string, method: string, headers: string) {
  return request(url, "OPTIONS", {
    ...ORIGIN,
    "Access-Control-Request-Method": method,
    "Access-Control-Request-Headers": headers,
  });
}

describe("draft server: CORS", () => {
  test("a preflight is answered with methods, the requested headers and a max age", async () => {
    await using server = await startDraftServer();
    const asked = "content-type,upload-complete,upload-draft-interop-version";
    const answer = await preflight(server.url, "POST", asked);
    assert.equal(answer.status, 204);
    assert.equal(answer.headers["access-control-allow-origin"], "*");
    assert.deepEqual(names(answer.headers["access-control-allow-headers"]), [
      "content-type",
      "upload-complete",
      "upload-draft-interop-version",
    ]);
    const methods = names(answer.headers["access-control-allow-methods"]);
    for (const method of ["post", "head", "patch", "delete", "options"]) {
      assert.ok(methods.includes(method), `${method} in ${methods}`);
    }
    assert.ok(Number(answer.headers["access-control-max-age"]) > 0);
    // Not the draft's OPTIONS: no Accept-Patch, no 104.
    assert.equal(answer.headers["accept-patch"], undefined);
    assert.deepEqual(answer.interim, []);
  });

  test("a preflight is neither a violation nor a logged draft request, and takes no fault", async () => {
    await using server = await startDraftServer();
    server.faults.failNext({ status: 503, method: "OPTIONS" });
    const url = await createEmpty(server.url);
    const answer = await preflight(url, "PATCH", "content-type,upload-offset");
    assert.equal(answer.status, 204);
    assert.deepEqual(server.violations, []);
    assert.deepEqual(server.requests.map((r) => r.method), ["POST"]);
    assert.equal(server.preflights.length, 1);
    assert.equal(server.preflights[0]?.path, new URL(url).pathname);
    assert.equal(
      server.preflights[0]?.headers["access-control-request-method"],
      "PATCH",
    );
    // The fault is still there for the draft's own OPTIONS.
    const own = await request(url, "OPTIONS", INTEROP);
    assert.equal(own.status, 503);
  });

  test("the draft's own OPTIONS still answers Accept-Patch, with the CORS fields", async () => {
    await using server = await startDraftServer({
      limits: { maxAppendSize: 100 },
    });
    const answer = await request(server.url, "OPTIONS", {
      ...INTEROP,
      ...ORIGIN,
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers["accept-patch"], PARTIAL);
    assert.equal(answer.headers["upload-limit"], "max-append-size=100");
    assert.equal(answer.headers["access-control-allow-origin"], "*");
    assert.equal(answer.headers["access-control-allow-methods"], undefined);
    assert.deepEqual(server.violations, []);
    assert.equal(server.preflights.length, 0);
  });

  test("an OPTIONS without the interop version and without Access-Control-Request-Method is still a violation", async () => {
    await using server = await startDraftServer();
    await request(server.url, "OPTIONS", ORIGIN);
    assert.deepEqual(server.violations.map((v) => v.rule), [
      "interop-version",
    ]);
    assert.equal(server.preflights.length, 0);
  });

  test("every answer lets a page read the draft's fields", async () => {
    await using server = await startDraftServer();
    const created = await request(server.url, "POST", {
      ...INTEROP,
      ...ORIGIN,
      "Upload-Complete": "?0",
    });
    const url = created.headers.location ?? "";
    const appended = await append(url, 0, "abc", false, ORIGIN);
    const head = await request(url, "HEAD", { ...INTEROP, ...ORIGIN });
    const missing = await request(`${server.url}nope`, "HEAD", INTEROP);
    const conflict = await append(url, 1, "x", false, ORIGIN);
    for (const answer of [created, appended, head, missing, conflict]) {
      assert.equal(answer.headers["access-control-allow-origin"], "*");
      assert.deepEqual(
        names(answer.headers["access-control-expose-headers"]),
        EXPOSED,
      );
    }
    assert.deepEqual(
      [created, appended, head, missing, conflict].map((a) => a.status),
      [201, 204, 204, 404, 409],
    );
  });

  test("cors: false answers no preflight and adds no CORS field", async () => {
    await using server = await startDraftServer({ cors: false });
    const answer = await preflight(server.url, "POST", "upload-complete");
    assert.equal(answer.headers["access-control-allow-origin"], undefined);
    assert.equal(answer.headers["access-control-allow-methods"], undefined);
    assert.equal(answer.headers["accept-patch"], PARTIAL);
    assert.deepEqual(server.violations.map((v) => v.rule), [
      "interop-version",
    ]);
    const url = await createEmpty(server.url);
    const head = await request(url, "HEAD", INTEROP);
    assert.equal(head.headers["access-control-allow-origin"], undefined);
    assert.equal(server.preflights.length, 0);
  });

  test("inFlight counts a request until it ends, and a latency whose client left handles nothing", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    assert.equal(server.inFlight, 0);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const sent = append(url, 0, hold("abc", held), false);
    await until(() => server.uploadOf(url)?.offset === 3);
    assert.equal(server.inFlight, 1);
    release();
    assert.equal((await sent).status, 204);
    await until(() => server.inFlight === 0);

    // A PATCH whose client hangs up during an injected latency is dropped.
    const slow = server.faults.latency(150, { method: "PATCH" });
    const logged = server.requests.length;
    const gone = new AbortController();
    const cut = fetch(url, {
      method: "PATCH",
      headers: { ...INTEROP, "Content-Type": PARTIAL, "Upload-Offset": "3" },
      body: "def",
      signal: gone.signal,
    }).catch(() => null);
    await until(() => server.inFlight === 1);
    gone.abort();
    await cut;
    await until(() => server.inFlight === 0);
    await until(() => server.requests.length > logged);
    slow();
    assert.equal(server.uploadOf(url)?.offset, 3);
    assert.deepEqual(server.violations, []);
    assert.equal(server.requests.at(-1)?.status, 0);
  });
});
