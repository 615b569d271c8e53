import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  appendSizeWithin,
  parseUploadLimit,
} from "../../src/protocol/upload_limit.ts";
import {
  PROBLEM_TYPES,
  problemMessage,
  readProblemDetails,
} from "../../src/protocol/problem_details.ts";

const NONE = {
  maxSize: null,
  minSize: null,
  maxAppendSize: null,
  minAppendSize: null,
  maxAgeMs: null,
};

describe("parseUploadLimit()", () => {
  test("reads the five keys the draft defines; max-age in ms", () => {
    assert.deepEqual(
      parseUploadLimit(
        "max-size=1000, min-size=10, max-append-size=100, min-append-size=5, max-age=60",
      ),
      {
        maxSize: 1000,
        minSize: 10,
        maxAppendSize: 100,
        minAppendSize: 5,
        maxAgeMs: 60_000,
      },
    );
  });
  test("absent field is null, empty field is no limits", () => {
    assert.equal(parseUploadLimit(null), null);
    assert.deepEqual(parseUploadLimit(""), NONE);
  });
  test("ignores unknown keys whatever their type", () => {
    assert.deepEqual(
      parseUploadLimit('x-foo="bar", max-size=5, y=(1 2), z=?0, w=1.5'),
      { ...NONE, maxSize: 5 },
    );
  });
  test("a known key of the wrong type, or negative, ignores the whole field", () => {
    for (
      const bad of [
        'max-size="5"',
        "max-size=5.0",
        "max-size=?1",
        "max-size",
        "max-size=(5)",
        "max-age=tok, max-size=5",
        "max-size=-1",
        "max-size=5, max-age=:AA==:",
      ]
    ) {
      assert.equal(parseUploadLimit(bad), null, bad);
    }
  });
  test("a field that is not a dictionary is ignored", () => {
    for (
      const bad of [
        "max-size=5,",
        "Max-Size=5",
        "max-size=1234567890123456",
        "max-size = 5",
      ]
    ) {
      assert.equal(parseUploadLimit(bad), null, bad);
    }
  });
  test("parameters are ignored and the last duplicate wins", () => {
    assert.deepEqual(parseUploadLimit("max-size=5;unit=b, max-size=7"), {
      ...NONE,
      maxSize: 7,
    });
  });
  test("property: any non-negative integers round-trip", () => {
    const n = fc.option(fc.integer({ min: 0, max: 999_999_999_999 }), {
      nil: null,
    });
    fc.assert(fc.property(n, n, n, n, n, (a, b, c, d, e) => {
      const parts = [
        a === null ? null : `max-size=${a}`,
        b === null ? null : `min-size=${b}`,
        c === null ? null : `max-append-size=${c}`,
        d === null ? null : `min-append-size=${d}`,
        e === null ? null : `max-age=${e}`,
      ].filter((p) => p !== null);
      assert.deepEqual(parseUploadLimit(parts.join(", ")), {
        maxSize: a,
        minSize: b,
        maxAppendSize: c,
        minAppendSize: d,
        maxAgeMs: e === null ? null : e * 1000,
      });
    }));
  });
  test("appendSizeWithin() shrinks to max-append-size", () => {
    const limit = parseUploadLimit("max-append-size=1000");
    assert.equal(appendSizeWithin(1_048_576, limit), 1000);
    assert.equal(appendSizeWithin(Infinity, limit), 1000);
    assert.equal(appendSizeWithin(10, limit), 10);
    assert.equal(appendSizeWithin(10, null), 10);
  });
  test("appendSizeWithin() raises to min-append-size and refuses impossible limits", () => {
    assert.equal(
      appendSizeWithin(10, parseUploadLimit("min-append-size=64")),
      64,
    );
    assert.equal(
      appendSizeWithin(
        10,
        parseUploadLimit("min-append-size=5, max-append-size=8"),
      ),
      8,
    );
    for (
      const bad of ["min-append-size=9, max-append-size=8", "max-append-size=0"]
    ) {
      assert.throws(
        () => appendSizeWithin(10, parseUploadLimit(bad)),
        RangeError,
        bad,
      );
    }
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1e9 }),
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 1e6 }),
      (wanted, min, extra) => {
        const limit = parseUploadLimit(
          `min-append-size=${min}, max-append-size=${min + extra}`,
        );
        const size = appendSizeWithin(wanted, limit);
        assert.ok(size >= min && size <= min + extra);
      },
    ));
  });
});

describe("readProblemDetails() and problemMessage()", () => {
  const json = "application/problem+json";
  test("reads the draft's mismatching-offset problem", () => {
    const problem = readProblemDetails(
      `${json}; charset=utf-8`,
      JSON.stringify({
        type: PROBLEM_TYPES.mismatchingUploadOffset,
        title: "offset from request does not match offset of resource",
        "expected-offset": 12500000,
        "provided-offset": 25000000,
      }),
    );
    assert.equal(problem?.expectedOffset, 12500000);
    assert.equal(problem?.providedOffset, 25000000);
    assert.equal(
      problemMessage(problem!),
      "the offset does not match the server's (server 12500000, request 25000000)",
    );
  });
  test("names the other two draft problem types", () => {
    for (
      const [type, message] of [
        [PROBLEM_TYPES.completedUpload, "the upload is already complete"],
        [
          PROBLEM_TYPES.inconsistentUploadLength,
          "the upload length values are inconsistent",
        ],
      ]
    ) {
      const problem = readProblemDetails(
        json,
        new TextEncoder().encode(JSON.stringify({ type })),
      );
      assert.equal(problemMessage(problem!), message);
    }
  });
  test("other problems use title and detail, flattened and bounded", () => {
    const problem = readProblemDetails(
      json,
      JSON.stringify({ title: "Quota\nexceeded", detail: "x".repeat(500) }),
    );
    assert.equal(problem?.type, "about:blank");
    const message = problemMessage(problem!);
    assert.ok(message.startsWith("Quota exceeded: xxx"));
    assert.ok(message.length <= 200);
  });
  test("members of the wrong type are dropped (RFC 9457 section 3.1)", () => {
    const problem = readProblemDetails(
      json,
      JSON.stringify({
        type: 5,
        status: "409",
        "expected-offset": -1,
        title: ["t"],
      }),
    );
    assert.deepEqual(problem, {
      type: "about:blank",
      title: null,
      status: null,
      detail: null,
      expectedOffset: null,
      providedOffset: null,
    });
  });
  test("anything else is not problem details", () => {
    assert.equal(readProblemDetails("application/json", "{}"), null);
    assert.equal(readProblemDetails(null, "{}"), null);
    assert.equal(readProblemDetails(json, "not json"), null);
    assert.equal(readProblemDetails(json, "[1]"), null);
    assert.equal(readProblemDetails(json, "null"), null);
    assert.equal(readProblemDetails(json, new Uint8Array([0xff, 0xfe])), null);
  });
  test("property: never throws on any body", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
      const problem = readProblemDetails(json, body);
      if (problem) assert.equal(typeof problemMessage(problem), "string");
    }));
  });
});
