import assert from "node:assert/strict";
import http from "node:http";
import { describe, test } from "node:test";
import { startDraftServer, startTusServer } from "../../src/testing/mod.ts";
import {
  append,
  createEmpty,
  INTEROP,
  PARTIAL,
  request,
} from "./_draft_helpers.ts";

/** `OPTIONS *`, which a URL cannot express. */
function optionsStar(endpoint: string) {
  const { hostname, port } = new URL(endpoint);
  return new Promise<{ status: number; acceptPatch: unknown }>(
    (resolve, reject) => {
      const req = http.request(
        { hostname, port, path: "*", method: "OPTIONS", headers: INTEROP },
        (res) => {
          res.resume();
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              acceptPatch: res.headers["accept-patch"],
            }));
        },
      );
      req.on("error", reject);
      req.end();
    },
  );
}

const text = (bytes: Uint8Array | null) =>
  bytes === null ? null : new TextDecoder().decode(bytes);

describe("draft server: creation", () => {
  test("an empty creation gets a 104 with Location, Upload-Limit and the interop version, then a 201", async () => {
    await using server = await startDraftServer({
      limits: { maxSize: 1000, maxAppendSize: 100 },
    });
    const answer = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?0",
    });
    assert.equal(answer.status, 201);
    const location = answer.headers.location;
    assert.ok(location?.startsWith(server.url));
    assert.equal(answer.headers["upload-offset"], "0");
    assert.equal(answer.headers["upload-complete"], "?0");
    assert.equal(
      answer.headers["upload-limit"],
      "max-size=1000, max-append-size=100",
    );
    assert.equal(answer.interim.length, 1);
    assert.deepEqual(answer.interim[0], {
      status: 104,
      headers: {
        location,
        "upload-limit": "max-size=1000, max-append-size=100",
        "upload-draft-interop-version": "9",
      },
    });
    assert.deepEqual(server.violations, []);
    assert.equal(server.requests[0]?.interim.length, 1);
  });

  test("no 104 when the interop version is missing or another; both are violations", async () => {
    await using server = await startDraftServer();
    for (const version of [null, "8", "10"]) {
      const headers: Record<string, string> = { "Upload-Complete": "?0" };
      if (version) headers["Upload-Draft-Interop-Version"] = version;
      const answer = await request(server.url, "POST", headers);
      assert.equal(answer.status, 201);
      assert.deepEqual(answer.interim, []);
    }
    assert.deepEqual(server.violations.map((v) => v.rule), [
      "interop-version",
      "interop-version",
      "interop-version",
    ]);
  });

  test("interopVersion: 10 and send104: false are honoured", async () => {
    await using ten = await startDraftServer({ interopVersion: 10 });
    const a = await request(ten.url, "POST", {
      "Upload-Draft-Interop-Version": "10",
      "Upload-Complete": "?0",
    });
    assert.equal(a.interim[0]?.headers["upload-draft-interop-version"], "10");
    await using quiet = await startDraftServer({ send104: false });
    const b = await request(quiet.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?0",
    });
    assert.equal(b.status, 201);
    assert.deepEqual(b.interim, []);
  });

  test("an optimistic creation with the whole body completes with 200 and Upload-Complete: ?1", async () => {
    await using server = await startDraftServer();
    const answer = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?1",
      "Upload-Length": "11",
    }, "hello world");
    assert.equal(answer.status, 200);
    assert.equal(answer.headers["upload-complete"], "?1");
    const location = answer.interim[0]?.headers.location ?? "";
    assert.equal(answer.headers.location, location);
    assert.equal(JSON.parse(answer.text).size, 11);
    assert.equal(text(server.bytesOf(location)), "hello world");
    assert.deepEqual(server.uploadOf(location), {
      url: location,
      offset: 11,
      length: 11,
      complete: true,
      gone: false,
    });
  });

  test('startTusServer({ protocol: "ietf-draft" }) starts the draft server', async () => {
    await using server = await startTusServer({ protocol: "ietf-draft" });
    assert.equal(server.protocol, "ietf-draft");
    assert.equal(server.interopVersion, 9);
    await createEmpty(server.url);
    assert.equal(server.uploads().length, 1);
  });
});

describe("draft server: append, offset retrieval, cancellation, options", () => {
  test("a creation with part of the body, two appends, HEAD between them", async () => {
    await using server = await startDraftServer();
    const created = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?0",
      "Upload-Length": "11",
    }, "hel");
    assert.equal(created.status, 201);
    assert.equal(created.headers["upload-offset"], "3");
    const url = created.headers.location ?? "";
    const middle = await append(url, 3, "lo w", false);
    assert.equal(middle.status, 204);
    assert.equal(middle.headers["upload-complete"], "?0");
    assert.equal(middle.headers["upload-offset"], "7");
    const head = await request(url, "HEAD", INTEROP);
    assert.equal(head.status, 204);
    assert.equal(head.headers["upload-offset"], "7");
    assert.equal(head.headers["upload-complete"], "?0");
    assert.equal(head.headers["upload-length"], "11");
    assert.equal(head.headers["cache-control"], "no-store");
    const last = await append(url, 7, "orld", true);
    assert.equal(last.status, 200);
    assert.equal(last.headers["upload-complete"], "?1");
    assert.equal(text(server.bytesOf(url)), "hello world");
    const done = await request(url, "HEAD", INTEROP);
    assert.equal(done.headers["upload-complete"], "?1");
    assert.deepEqual(server.violations, []);
  });

  test("HEAD omits Upload-Length until known, carries Upload-Limit; GET answers the same", async () => {
    await using server = await startDraftServer({
      limits: { maxAgeMs: 3_600_000 },
    });
    const url = await createEmpty(server.url);
    for (const method of ["HEAD", "GET"]) {
      const answer = await request(url, method, INTEROP);
      assert.equal(answer.status, 204);
      assert.equal(answer.headers["upload-length"], undefined);
      assert.match(
        answer.headers["upload-limit"] ?? "",
        /^max-age=(3600|3599)$/,
      );
      assert.equal(answer.headers["cache-control"], "no-store");
    }
    const fetched = await fetch(url, { method: "HEAD", headers: INTEROP });
    assert.equal(fetched.headers.get("Upload-Offset"), "0");
  });

  test("minimalHead: HEAD carries the offset only, as after draft -12", async () => {
    await using server = await startDraftServer({ minimalHead: true });
    const url = await createEmpty(server.url, { "Upload-Length": "3" });
    await append(url, 0, "abc", true);
    const head = await request(url, "HEAD", INTEROP);
    assert.equal(head.headers["upload-offset"], "3");
    assert.equal(head.headers["upload-complete"], undefined);
    assert.equal(head.headers["upload-length"], undefined);
    assert.equal(head.headers["cache-control"], "no-store");
  });

  test("DELETE cancels: 204, then 404 and no bytes", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    assert.equal((await request(url, "DELETE", INTEROP)).status, 204);
    assert.equal((await request(url, "HEAD", INTEROP)).status, 404);
    assert.equal((await append(url, 0, "x", true)).status, 404);
    assert.equal(server.bytesOf(url), null);
    assert.equal(server.uploadOf(url)?.gone, true);
  });

  test("OPTIONS on the endpoint, an upload and * lists Accept-Patch and Upload-Limit", async () => {
    await using server = await startDraftServer({
      limits: { maxSize: 5, minAppendSize: 1 },
    });
    const url = await createEmpty(server.url);
    for (const target of [server.url, url]) {
      const answer = await request(target, "OPTIONS", INTEROP);
      assert.equal(answer.status, 204);
      assert.equal(answer.headers["accept-patch"], PARTIAL);
      assert.equal(
        answer.headers["upload-limit"],
        "max-size=5, min-append-size=1",
      );
    }
    const star = await optionsStar(server.url);
    if ("Bun" in globalThis) {
      // Bun's node:http refuses the asterisk form itself, before any handler.
      assert.equal(star.status, 400);
      assert.ok(server.requests.every((r) => r.path !== "*"));
    } else {
      assert.equal(star.status, 204);
      assert.equal(star.acceptPatch, PARTIAL);
    }
  });

  test("progressEvery sends 104s with Upload-Offset (never Location) while an append is read", async () => {
    await using server = await startDraftServer({ progressEvery: 4 });
    const url = await createEmpty(server.url);
    const answer = await append(url, 0, async (req) => {
      for (const part of ["abcd", "efgh", "ij"]) {
        req.write(part);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      req.end();
    }, true);
    assert.equal(answer.status, 200);
    const offsets = answer.interim.map((i) => i.headers["upload-offset"]);
    assert.ok(offsets.length >= 1, "no progress 104");
    assert.ok(offsets.every((o) => o === "4" || o === "8"), offsets.join());
    assert.ok(answer.interim.every((i) => i.headers.location === undefined));
  });
});

describe("draft server: 409 and 413", () => {
  test("a wrong offset gets 409 with the server's Upload-Offset and a problem body", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    await append(url, 0, "abc", false);
    const answer = await append(url, 5, "zz", false);
    assert.equal(answer.status, 409);
    assert.equal(answer.headers["upload-offset"], "3");
    assert.equal(answer.headers["upload-complete"], "?0");
    assert.equal(answer.headers["content-type"], "application/problem+json");
    assert.deepEqual(JSON.parse(answer.text), {
      type:
        "https://iana.org/assignments/http-problem-types#mismatching-upload-offset",
      title: "offset from request does not match offset of resource",
      "expected-offset": 3,
      "provided-offset": 5,
    });
    assert.deepEqual(server.violations.map((v) => v.rule), ["offset-mismatch"]);
    assert.equal(text(server.bytesOf(url)), "abc");
  });

  test("faults.conflictNext() answers 409 with the true offset, not a violation", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    server.faults.conflictNext();
    const answer = await append(url, 0, "abc", false);
    assert.equal(answer.status, 409);
    assert.equal(answer.headers["upload-offset"], "0");
    assert.deepEqual(server.violations, []);
  });

  test("an append over max-append-size gets 413 with Upload-Limit", async () => {
    await using server = await startDraftServer({
      limits: { maxAppendSize: 4 },
    });
    const url = await createEmpty(server.url);
    const answer = await append(url, 0, "abcdefgh", false);
    assert.equal(answer.status, 413);
    assert.equal(answer.headers["upload-limit"], "max-append-size=4");
    assert.equal(answer.headers["upload-offset"], "0");
    assert.deepEqual(server.violations.map((v) => v.rule), ["limit-exceeded"]);
    const ok = await append(url, 0, "abcd", false);
    assert.equal(ok.status, 204);
  });

  test("a streamed append that grows past max-append-size keeps what fits and gets 413", async () => {
    await using server = await startDraftServer({
      limits: { maxAppendSize: 4 },
    });
    const url = await createEmpty(server.url);
    const answer = await append(url, 0, (req) => {
      req.write("abc");
      req.end("defg");
      return Promise.resolve();
    }, false);
    assert.equal(answer.status, 413);
    assert.equal(answer.headers["upload-limit"], "max-append-size=4");
    assert.equal(answer.headers["upload-offset"], "4");
    assert.equal(text(server.bytesOf(url)), "abcd");
  });

  test("a creation over max-size gets 413 with Upload-Limit and creates nothing", async () => {
    await using server = await startDraftServer({ limits: { maxSize: 10 } });
    const answer = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?0",
      "Upload-Length": "11",
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.headers["upload-limit"], "max-size=10");
    assert.deepEqual(answer.interim, []);
    assert.equal(server.uploads().length, 0);
  });
});
