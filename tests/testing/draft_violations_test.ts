import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type DraftRule,
  type DraftViolation,
  startDraftServer,
} from "../../src/testing/mod.ts";
import {
  append,
  createEmpty,
  hold,
  INTEROP,
  request,
  until,
} from "./_draft_helpers.ts";

/**
 * `rule` first; after it only offset mismatches, which Deno's node:http
 * client causes when it re-sends, by itself, the PATCH the server cut.
 */
function assertViolations(
  violations: readonly DraftViolation[],
  rule: DraftRule,
) {
  assert.equal(violations[0]?.rule, rule);
  for (const later of violations.slice(1)) {
    assert.equal(later.rule, "offset-mismatch", later.message);
  }
}

const text = (bytes: Uint8Array | null) =>
  bytes === null ? null : new TextDecoder().decode(bytes);

describe("draft server: client violations", () => {
  test("a PATCH of another media type gets 415 with Accept-Patch", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    const answer = await append(url, 0, "abc", false, {
      "Content-Type": "application/offset+octet-stream",
    });
    assert.equal(answer.status, 415);
    assert.equal(answer.headers["accept-patch"], "application/partial-upload");
    assert.deepEqual(server.violations.map((v) => v.rule), ["media-type"]);
    assert.equal(server.uploadOf(url)?.offset, 0);
  });

  test("Upload-Complete and Upload-Offset missing or not Structured Fields are refused", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    const cases: Array<[Record<string, string>, string]> = [
      [{ "Upload-Complete": "?2" }, "missing-upload-complete"],
      [{ "Upload-Complete": "true" }, "missing-upload-complete"],
      [{ "Upload-Offset": "0.0" }, "missing-upload-offset"],
      [{ "Upload-Offset": "-1" }, "missing-upload-offset"],
      [{ "Upload-Offset": "1234567890123456" }, "missing-upload-offset"],
    ];
    for (const [headers] of cases) {
      assert.equal((await append(url, 0, "a", false, headers)).status, 400);
    }
    const noOffset = await request(url, "PATCH", {
      ...INTEROP,
      "Content-Type": "application/partial-upload",
      "Upload-Complete": "?0",
    }, "a");
    assert.equal(noOffset.status, 400);
    const noComplete = await request(server.url, "POST", INTEROP, "a");
    assert.equal(noComplete.status, 400);
    assert.deepEqual(server.violations.map((v) => v.rule), [
      ...cases.map(([, rule]) => rule),
      "missing-upload-offset",
      "missing-upload-complete",
    ]);
    assert.equal(server.uploadOf(url)?.offset, 0);
  });

  test("parameters and spaces around an item are fine", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    const answer = await append(url, 0, "ab", false, {
      "Upload-Offset": " 0;x=1 ",
      "Upload-Complete": "?0;y",
    });
    assert.equal(answer.status, 204);
    assert.deepEqual(server.violations, []);
  });

  test("appending to a completed upload: completed-upload when empty, inconsistent length otherwise", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    await append(url, 0, "abc", true);
    const empty = await append(url, 3, "", true);
    assert.equal(empty.status, 400);
    assert.match(JSON.parse(empty.text).type, /#completed-upload$/);
    const more = await append(url, 3, "d", true);
    assert.equal(more.status, 400);
    assert.match(JSON.parse(more.text).type, /#inconsistent-upload-length$/);
    assert.deepEqual(server.violations.map((v) => v.rule), [
      "append-after-completion",
      "append-after-completion",
    ]);
    assert.equal(text(server.bytesOf(url)), "abc");
  });

  test("length indicators that disagree are refused with inconsistent-upload-length", async () => {
    await using server = await startDraftServer();
    const both = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?1",
      "Upload-Length": "5",
    }, "abc");
    assert.equal(both.status, 400);
    const url = await createEmpty(server.url, { "Upload-Length": "5" });
    const changed = await append(url, 0, "ab", false, { "Upload-Length": "6" });
    assert.equal(changed.status, 400);
    assert.match(JSON.parse(changed.text).type, /#inconsistent-upload-length$/);
    assert.deepEqual(server.violations.map((v) => v.rule), [
      "inconsistent-length",
      "inconsistent-length",
    ]);
  });

  test("completing short of the length is refused and leaves the upload open (PR #3463)", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url, { "Upload-Length": "5" });
    const short = await append(url, 0, (req) => {
      req.write("abc"); // chunked: no Content-Length to check up front
      req.end();
      return Promise.resolve();
    }, true);
    assert.equal(short.status, 400);
    assert.match(JSON.parse(short.text).type, /#inconsistent-upload-length$/);
    assert.deepEqual(server.uploadOf(url), {
      url,
      offset: 3,
      length: 5,
      complete: false,
      gone: false,
    });
    assert.equal((await append(url, 3, "de", true)).status, 200);
  });

  test("content past the length is refused and the upload is invalid afterwards", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url, { "Upload-Length": "3" });
    const over = await append(url, 0, (req) => {
      req.end("abcd");
      return Promise.resolve();
    }, false);
    assert.equal(over.status, 400);
    assert.equal(server.uploadOf(url)?.offset, 3);
    assert.equal((await request(url, "HEAD", INTEROP)).status, 410);
  });

  test("a HEAD while an append is in flight is a violation; the append is ended first", async () => {
    await using server = await startDraftServer({ concurrencyGraceMs: 20 });
    const url = await createEmpty(server.url);
    let release = () => {};
    const open = new Promise<void>((resolve) => (release = resolve));
    const pending = append(url, 0, hold("abcd", open), false);
    await until(() => server.uploadOf(url)?.offset === 4);
    const head = await request(url, "HEAD", INTEROP);
    release();
    assert.equal(head.status, 204);
    assert.equal(head.headers["upload-offset"], "4");
    const ended = await pending;
    assert.notEqual(ended.status, 204);
    assertViolations(server.violations, "head-during-append");
  });

  test("a HEAD while the creation is still sending is a violation too", async () => {
    await using server = await startDraftServer({ concurrencyGraceMs: 20 });
    let release = () => {};
    const open = new Promise<void>((resolve) => (release = resolve));
    const pending = request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?1",
    }, hold("ab", open));
    await until(() => server.uploads()[0]?.offset === 2);
    const url = server.uploads()[0]?.url ?? "";
    const head = await request(url, "HEAD", INTEROP);
    release();
    await pending;
    assert.equal(head.headers["upload-offset"], "2");
    assert.equal(head.headers["upload-complete"], "?0");
    assertViolations(server.violations, "head-during-append");
  });

  test("a second append while one is in flight is a violation", async () => {
    await using server = await startDraftServer({ concurrencyGraceMs: 20 });
    const url = await createEmpty(server.url);
    let release = () => {};
    const open = new Promise<void>((resolve) => (release = resolve));
    const first = append(url, 0, hold("ab", open), false);
    await until(() => server.uploadOf(url)?.offset === 2);
    const second = await append(url, 2, "cd", false);
    release();
    await first;
    assert.equal(second.status, 204);
    assert.equal(text(server.bytesOf(url)), "abcd");
    assertViolations(server.violations, "parallel-append");
  });

  test("a DELETE during an append ends it without a violation", async () => {
    await using server = await startDraftServer({ concurrencyGraceMs: 20 });
    const url = await createEmpty(server.url);
    let release = () => {};
    const open = new Promise<void>((resolve) => (release = resolve));
    const pending = append(url, 0, hold("ab", open), false);
    await until(() => server.uploadOf(url)?.offset === 2);
    assert.equal((await request(url, "DELETE", INTEROP)).status, 204);
    release();
    await pending;
    assert.deepEqual(server.violations, []);
  });

  test("limits announced by OPTIONS make a too large creation a violation", async () => {
    await using server = await startDraftServer({
      limits: { maxAppendSize: 2, minAppendSize: 2 },
    });
    const before = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?0",
    }, "abc");
    assert.equal(before.status, 413);
    assert.equal(server.violations.length, 0);
    await request(server.url, "OPTIONS", INTEROP);
    const after = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?0",
    }, "abc");
    assert.equal(after.status, 413);
    const url = await createEmpty(server.url);
    const small = await append(url, 0, "a", false);
    assert.equal(small.status, 400);
    assert.equal(
      small.headers["upload-limit"],
      "max-append-size=2, min-append-size=2",
    );
    assert.equal((await append(url, 0, "a", true)).status, 200);
    assert.deepEqual(server.violations.map((v) => v.rule), [
      "limit-exceeded",
      "limit-exceeded",
    ]);
  });
});

describe("draft server: faults, min-size, max-age", () => {
  test("failNext() answers the status with Retry-After and stores nothing", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    server.faults.failNext({
      status: 503,
      retryAfter: "0",
      method: "PATCH",
      count: 2,
    });
    for (let i = 0; i < 2; i++) {
      const answer = await append(url, 0, "abc", false);
      assert.equal(answer.status, 503);
      assert.equal(answer.headers["retry-after"], "0");
    }
    assert.equal((await append(url, 0, "abc", false)).status, 204);
    assert.equal(server.faults.pending, 0);
  });

  test("cutNext() on a creation drops it after the 104: the client can resume from HEAD", async () => {
    await using server = await startDraftServer();
    server.faults.cutNext({ afterBytes: 4, method: "POST" });
    const created = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?1",
    }, async (req) => {
      req.write("abcd");
      await new Promise((resolve) => setTimeout(resolve, 30));
      req.end("efgh");
    });
    assert.equal(created.status, 0);
    const url = created.interim[0]?.headers.location ?? "";
    assert.ok(url, "the 104 carried no Location");
    const head = await request(url, "HEAD", INTEROP);
    assert.equal(head.headers["upload-offset"], "4");
    assert.equal(head.headers["upload-complete"], "?0");
    assert.equal((await append(url, 4, "efgh", true)).status, 200);
    assert.equal(text(server.bytesOf(url)), "abcdefgh");
    assert.equal(server.requests[0]?.status, 0);
  });

  test("cutNextPatch({ answer: true }) takes fewer bytes and says so", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    server.faults.cutNextPatch({ afterBytes: 2, answer: true });
    const answer = await append(url, 0, "abcdef", true);
    assert.equal(answer.status, 204);
    assert.equal(answer.headers["upload-offset"], "2");
    assert.equal(answer.headers["upload-complete"], "?0");
  });

  test("latency() delays and forget() makes an upload 404 or 410", async () => {
    await using server = await startDraftServer();
    const url = await createEmpty(server.url);
    const remove = server.faults.latency(30, { method: "HEAD" });
    const started = Date.now();
    await request(url, "HEAD", INTEROP);
    assert.ok(Date.now() - started >= 25);
    remove();
    server.faults.forget(url, 410);
    assert.equal((await request(url, "HEAD", INTEROP)).status, 410);
  });

  test("below min-size a complete upload is taken without an upload resource", async () => {
    await using server = await startDraftServer({ limits: { minSize: 10 } });
    const small = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?1",
    }, "abc");
    assert.equal(small.status, 200);
    assert.deepEqual(small.interim, []);
    assert.equal(small.headers.location, undefined);
    const open = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?0",
    });
    assert.equal(open.status, 400);
    assert.equal(open.headers["upload-limit"], "min-size=10");
    assert.equal(server.uploads().length, 0);
  });

  test("an upload older than max-age is gone", async () => {
    await using server = await startDraftServer({ limits: { maxAgeMs: 1 } });
    const url = await createEmpty(server.url);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await request(url, "HEAD", INTEROP)).status, 404);
  });
});
