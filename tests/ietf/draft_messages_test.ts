import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { IETF_DRAFT_INTEROP_VERSION } from "../../src/ietf/headers.ts";
import {
  appendRequest,
  cancelRequest,
  creationRequest,
  offsetRequest,
  optionsRequest,
} from "../../src/ietf/requests.ts";
import {
  classifyAnswer,
  readBooleanItem,
  readInterim,
  readOffsetItem,
  readUploadState,
} from "../../src/ietf/responses.ts";
import { startDraftServer } from "../../src/testing/mod.ts";

describe("draft request builders", () => {
  test("every request carries the interop version", () => {
    for (
      const request of [
        creationRequest({ complete: false }),
        appendRequest({ offset: 0, complete: true }),
        offsetRequest(),
        cancelRequest(),
        optionsRequest(),
      ]
    ) {
      assert.equal(request.headers["Upload-Draft-Interop-Version"], "9");
    }
    assert.equal(IETF_DRAFT_INTEROP_VERSION, 9);
  });
  test("creation: Upload-Complete always, Upload-Length only when known", () => {
    assert.deepEqual(creationRequest({ complete: true, length: 5 }), {
      method: "POST",
      headers: {
        "Upload-Draft-Interop-Version": "9",
        "Upload-Complete": "?1",
        "Upload-Length": "5",
      },
    });
    assert.equal(
      creationRequest({ complete: false, length: null })
        .headers["Upload-Length"],
      undefined,
    );
  });
  test("append: media type, offset, completeness; bad numbers throw before anything is sent", () => {
    const { method, headers } = appendRequest({
      offset: 7,
      complete: false,
      length: 9,
    });
    assert.equal(method, "PATCH");
    assert.equal(headers["Content-Type"], "application/partial-upload");
    assert.equal(headers["Upload-Offset"], "7");
    assert.equal(headers["Upload-Complete"], "?0");
    assert.equal(headers["Upload-Length"], "9");
    for (const offset of [-1, 1.5, NaN, Infinity]) {
      assert.throws(
        () => appendRequest({ offset, complete: false }),
        RangeError,
      );
    }
  });
});

describe("draft response readers", () => {
  test("Upload-Offset and Upload-Length: only non-negative Integer items count", () => {
    assert.equal(readOffsetItem("0"), 0);
    assert.equal(readOffsetItem("12;x=1"), 12);
    for (
      const bad of [
        null,
        "",
        "-1",
        "1.0",
        "?1",
        "0x1",
        "1,2",
        "1234567890123456",
        '"5"',
      ]
    ) {
      assert.equal(readOffsetItem(bad), null, String(bad));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999_999 }), (n) => {
        assert.equal(readOffsetItem(String(n)), n);
      }),
    );
  });
  test("Upload-Complete: only ?0 and ?1", () => {
    assert.equal(readBooleanItem("?1"), true);
    assert.equal(readBooleanItem("?0"), false);
    for (const bad of [null, "1", "true", "?2", "?1,?0"]) {
      assert.equal(readBooleanItem(bad), null, String(bad));
    }
  });
  test("readUploadState() reads a HEAD answer", () => {
    const state = readUploadState(
      new Headers({
        "Upload-Offset": "25",
        "Upload-Complete": "?0",
        "Upload-Length": "100",
        "Upload-Limit": "max-age=3600",
      }),
    );
    assert.equal(state.offset, 25);
    assert.equal(state.complete, false);
    assert.equal(state.length, 100);
    assert.equal(state.limit?.maxAgeMs, 3_600_000);
  });
  test("readInterim() trusts a 104 only with the same interop version", () => {
    const url = "http://x.test/files/";
    const ok = new Headers({
      "Upload-Draft-Interop-Version": "9",
      Location: "a",
      "Upload-Limit": "max-size=5",
    });
    assert.deepEqual(readInterim(104, ok, url), {
      location: "http://x.test/files/a",
      offset: null,
      limit: {
        maxSize: 5,
        minSize: null,
        maxAppendSize: null,
        minAppendSize: null,
        maxAgeMs: null,
      },
    });
    assert.equal(readInterim(103, ok, url), null);
    for (const version of [null, "8", "10", "9.0"]) {
      const h = new Headers({ Location: "a" });
      if (version) h.set("Upload-Draft-Interop-Version", version);
      assert.equal(readInterim(104, h, url), null, String(version));
    }
  });
  test("classifyAnswer() follows the draft's client rules", () => {
    const h = (init: Record<string, string>) => new Headers(init);
    assert.equal(
      classifyAnswer(200, h({ "Upload-Complete": "?1" })).outcome,
      "done",
    );
    assert.equal(
      classifyAnswer(500, h({ "Upload-Complete": "?1" })).outcome,
      "done",
    );
    assert.equal(
      classifyAnswer(204, h({ "Upload-Complete": "?0" })).outcome,
      "continue",
    );
    assert.equal(classifyAnswer(201, h({})).outcome, "continue");
    const conflict = classifyAnswer(
      409,
      h({ "Upload-Complete": "?0", "Upload-Offset": "3" }),
    );
    assert.equal(conflict.outcome, "conflict");
    assert.equal(conflict.state.offset, 3);
    assert.equal(
      classifyAnswer(413, h({ "Upload-Limit": "max-append-size=4" })).state
        .limit?.maxAppendSize,
      4,
    );
    assert.equal(classifyAnswer(413, h({})).outcome, "shrink");
    assert.equal(classifyAnswer(429, h({})).outcome, "retry");
    assert.equal(classifyAnswer(503, h({})).outcome, "retry");
    assert.equal(classifyAnswer(308, h({})).outcome, "redirect");
    assert.equal(classifyAnswer(400, h({})).outcome, "failed");
    assert.equal(classifyAnswer(404, h({})).outcome, "failed");
  });
});

describe("draft builders and readers against the draft server", () => {
  test("careful creation, two appends, HEAD, DELETE: no violation", async () => {
    await using server = await startDraftServer({
      limits: { maxAppendSize: 4 },
    });
    const send = async (
      url: string,
      r: { method: string; headers: Record<string, string> },
      body?: string,
    ) => {
      const response = await fetch(url, {
        method: r.method,
        headers: r.headers,
        body,
      });
      await response.body?.cancel();
      return response;
    };
    const created = await send(
      server.url,
      creationRequest({ complete: false, length: 6 }),
    );
    const url = new URL(created.headers.get("Location") ?? "", server.url).href;
    const limit = readUploadState(created.headers).limit;
    assert.equal(limit?.maxAppendSize, 4);
    const first = await send(
      url,
      appendRequest({ offset: 0, complete: false }),
      "abcd",
    );
    assert.equal(
      classifyAnswer(first.status, first.headers).outcome,
      "continue",
    );
    const wrong = await send(
      url,
      appendRequest({ offset: 0, complete: true }),
      "ef",
    );
    const conflict = classifyAnswer(wrong.status, wrong.headers);
    assert.equal(conflict.outcome, "conflict");
    const last = await send(
      url,
      appendRequest({ offset: conflict.state.offset ?? -1, complete: true }),
      "ef",
    );
    assert.equal(classifyAnswer(last.status, last.headers).outcome, "done");
    const head = await send(url, offsetRequest());
    assert.deepEqual(
      { ...readUploadState(head.headers), limit: null },
      { offset: 6, complete: true, length: 6, limit: null },
    );
    assert.equal((await send(url, cancelRequest())).status, 204);
    assert.deepEqual(server.violations.map((v) => v.rule), ["offset-mismatch"]);
    assert.equal(
      new TextDecoder().decode(server.bytesOf(url) ?? new Uint8Array()),
      "",
    );
  });
});
