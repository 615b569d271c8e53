import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checksumHeader } from "../../src/protocol/checksum.ts";
import {
  assertValidMetadata,
  decodeMetadata,
  encodeMetadata,
} from "../../src/protocol/metadata.ts";
import { parseRetryAfter } from "../../src/protocol/retry_after.ts";
import { parseStrictInteger } from "../../src/protocol/strict_integer.ts";

describe("parseStrictInteger()", () => {
  test("accepts digits only", () => {
    assert.equal(parseStrictInteger("0"), 0);
    assert.equal(parseStrictInteger("1048576"), 1048576);
  });
  test("reads anything else as absent, never NaN or negative", () => {
    for (
      const bad of [
        null,
        "",
        " 1",
        "1 ",
        "-1",
        "+1",
        "1.5",
        "1e3",
        "0x10",
        "abc",
      ]
    ) {
      assert.equal(parseStrictInteger(bad), null, JSON.stringify(bad));
    }
    assert.equal(parseStrictInteger("99999999999999999999"), null);
  });
});

describe("Upload-Metadata codec", () => {
  test("round-trips UTF-8 values and empty values", () => {
    const header = encodeMetadata({ filename: "résumé.pdf", empty: "" });
    assert.equal(header, "filename csOpc3Vtw6kucGRm,empty");
    assert.deepEqual(decodeMetadata(header), {
      filename: "résumé.pdf",
      empty: "",
    });
  });
  test("encodes latin1 when asked", () => {
    assert.equal(encodeMetadata({ a: "é" }, "latin1"), "a 6Q==");
  });
  test("returns a value that is not valid base64 raw, other keys still decode", () => {
    assert.deepEqual(decodeMetadata("good aGk=,bad !!!,odd aGk"), {
      good: "hi",
      bad: "!!!",
      odd: "aGk",
    });
  });
  test("refuses keys that are empty or hold a space or comma", () => {
    for (const key of ["", "a b", "a,b"]) {
      assert.throws(() => assertValidMetadata({ [key]: "x" }), TypeError);
    }
  });
  test("no metadata gives no header", () => {
    assert.equal(encodeMetadata({}), null);
  });
});

describe("checksumHeader()", () => {
  test("names the algorithm and base64-encodes the digest", async () => {
    const bytes = new TextEncoder().encode("hello");
    assert.equal(
      await checksumHeader("sha1", bytes),
      "sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00=",
    );
    assert.match(
      await checksumHeader("sha256", bytes),
      /^sha256 [A-Za-z0-9+/]{43}=$/,
    );
    assert.match(
      await checksumHeader("sha512", bytes),
      /^sha512 [A-Za-z0-9+/]{86}==$/,
    );
  });
});

describe("parseRetryAfter()", () => {
  test("reads seconds and HTTP dates as milliseconds", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    assert.equal(parseRetryAfter("3", now), 3000);
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:02 GMT", now), 2000);
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
  });
  test("reads malformed values as absent", () => {
    for (const bad of [null, "-1", "1.5", "soon", ""]) {
      assert.equal(parseRetryAfter(bad), null, JSON.stringify(bad));
    }
  });
});
