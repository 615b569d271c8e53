import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseRetryAfter } from "../../src/protocol/retry_after.ts";
import { parseStrictInteger } from "../../src/protocol/strict_integer.ts";
import { httpDate, moment } from "./_http_date.ts";
import { runs } from "./_property.ts";

// Upload-Offset, Upload-Length and Tus-Max-Size are non-negative integers;
// Retry-After is delay-seconds (1*DIGIT) or an HTTP-date (RFC 9110 10.2.3),
// and a recipient must accept the three HTTP-date formats (5.6.7).

/** Strings that look numeric but are not 1*DIGIT. */
const notDigits = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !/^[0-9]+$/.test(s)),
  fc.tuple(
    fc.constantFrom("-", "+", " ", "\t", "0x", "", "\u0661", "\uff11"),
    fc.nat(),
    fc.constantFrom("", " ", ".0", ".5", "e3", "n", "_0", "\u0661", "\uff11"),
  ).map(([head, n, tail]) => `${head}${n}${tail}`).filter((s) =>
    !/^[0-9]+$/.test(s)
  ),
);

describe("parseStrictInteger() (properties)", () => {
  test("reads back every safe non-negative integer, leading zeros or not", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat({ max: 5 }), (n, zeros) => {
        assert.equal(parseStrictInteger(String(n)), n);
        assert.equal(parseStrictInteger("0".repeat(zeros) + String(n)), n);
      }),
      runs(1000),
    );
  });

  test("anything but digits reads as absent", () => {
    fc.assert(
      fc.property(notDigits, (s) => {
        assert.equal(parseStrictInteger(s), null, JSON.stringify(s));
      }),
      runs(1000),
    );
  });

  test("values past 2^53 - 1 read as absent, never as a rounded number", () => {
    const big = fc.bigInt({ min: 2n ** 53n, max: 10n ** 30n });
    fc.assert(
      fc.property(big, (n) => {
        assert.equal(parseStrictInteger(n.toString()), null);
      }),
      runs(500),
    );
  });

  test("the result is always null or a safe non-negative integer", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), notDigits), (s) => {
        const n = parseStrictInteger(s);
        assert.ok(n === null || (Number.isSafeInteger(n) && n >= 0), s);
      }),
      runs(1000),
    );
  });
});

describe("parseRetryAfter() (properties)", () => {
  test("delay-seconds read as that many milliseconds", () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 9 }), (s) => {
        assert.equal(parseRetryAfter(String(s)), s * 1000);
        assert.equal(parseRetryAfter(` ${s} `), s * 1000);
      }),
      runs(500),
    );
  });

  test("each of the three HTTP-date formats reads as the time left until it", () => {
    fc.assert(
      fc.property(httpDate, moment, ({ text, time }, now) => {
        const expected = Math.max(0, time - now.getTime());
        assert.equal(parseRetryAfter(text, now.getTime()), expected, text);
      }),
      runs(500),
    );
  });

  test("the wait is never negative, never NaN, for any value", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), moment, (s, now) => {
        const wait = parseRetryAfter(s, now.getTime());
        assert.ok(wait === null || (Number.isFinite(wait) && wait >= 0), s);
      }),
      runs(1000),
    );
  });

  test("a value that is neither digits nor an HTTP-date reads as absent", () => {
    const junk = fc.string({
      unit: fc.constantFrom("a", "x", "T", "u", "e", " ", "1", "2", ":", ","),
      minLength: 1,
      maxLength: 6,
    }).filter((s) => !/^\s*[0-9]+\s*$/.test(s));
    fc.assert(
      fc.property(junk, (s) => {
        assert.equal(parseRetryAfter(s, 0), null, JSON.stringify(s));
      }),
      runs(1000),
    );
  });
});
