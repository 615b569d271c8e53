import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import * as reference from "structured-headers";
import {
  type BareItem,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeItem,
  serializeList,
  type SfDictionary,
  type SfItem,
  type SfMember,
  type SfParameters,
} from "../../src/protocol/structured_fields.ts";

const lcalpha = "abcdefghijklmnopqrstuvwxyz";
const keyArb = fc.tuple(
  fc.constantFrom(...lcalpha, "*"),
  fc.string({
    unit: fc.constantFrom(...lcalpha, ..."0123456789_-.*"),
    maxLength: 6,
  }),
).map(([a, b]) => a + b);
const tokenArb = fc.tuple(
  fc.constantFrom(..."abcXYZ*"),
  fc.string({
    unit: fc.constantFrom(..."aZ09!#$%&'*+-.^_`|~:/"),
    maxLength: 6,
  }),
).map(([a, b]) => a + b);
const bareArb: fc.Arbitrary<BareItem> = fc.oneof(
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 })
    .map((value) => ({ type: "integer", value }) as const),
  fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 })
    .map((n) => ({ type: "decimal", value: n / 1000 }) as const),
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) =>
      String.fromCharCode(c)
    ),
  })
    .map((value) => ({ type: "string", value }) as const),
  tokenArb.map((value) => ({ type: "token", value }) as const),
  fc.uint8Array({ maxLength: 12 }).map((value) =>
    ({ type: "binary", value }) as const
  ),
  fc.boolean().map((value) => ({ type: "boolean", value }) as const),
  fc.integer({ min: -1e12, max: 1e12 }).map((value) =>
    ({ type: "date", value }) as const
  ),
  fc.string({ maxLength: 8 }).map((value) =>
    ({ type: "displaystring", value }) as const
  ),
);
const paramsArb: fc.Arbitrary<SfParameters> = fc
  .array(fc.tuple(keyArb, bareArb), { maxLength: 3 })
  .map((entries) => new Map(entries));
const itemArb: fc.Arbitrary<SfItem> = fc.tuple(bareArb, paramsArb)
  .map(([value, params]) => ({ value, params }));
const memberArb: fc.Arbitrary<SfMember> = fc.oneof(
  itemArb,
  fc.tuple(fc.array(itemArb, { maxLength: 3 }), paramsArb)
    .map(([items, params]) => ({ items, params })),
);
const dictArb: fc.Arbitrary<SfDictionary> = fc
  .array(fc.tuple(keyArb, memberArb), { maxLength: 4 })
  .map((entries) => new Map(entries));

/** Field values built from the characters that matter to the grammar. */
const noisyArb = fc.string({
  unit: fc.constantFrom(...'a=1 ,;?0\t"\\():@%-.*Zb9_', "ä"),
  maxLength: 14,
});

/**
 * structured-headers 2.1.0 rejects a Date followed by parameters or by the
 * trailing space RFC 9651 section 4.2 discards (`@0;a`, `@0 `); those inputs
 * are left out of the comparison and checked as known vectors instead.
 */
const LIBRARY_DATE_BUG = /@-?[0-9]+[ ;]/;

function attempt<T>(run: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: run() };
  } catch {
    return { ok: false };
  }
}

describe("structured fields: round trip", () => {
  test("parseItem(serializeItem(x)) gives x back", () => {
    fc.assert(
      fc.property(itemArb, (item) => {
        assert.deepEqual(parseItem(serializeItem(item)), item);
      }),
      { numRuns: 500 },
    );
  });
  test("parseDictionary(serializeDictionary(x)) gives x back", () => {
    fc.assert(
      fc.property(dictArb, (dict) => {
        assert.deepEqual(parseDictionary(serializeDictionary(dict)), dict);
      }),
      { numRuns: 500 },
    );
  });
  test("parseList(serializeList(x)) gives x back", () => {
    fc.assert(
      fc.property(fc.array(memberArb, { maxLength: 4 }), (list) => {
        assert.deepEqual(parseList(serializeList(list)), list);
      }),
      { numRuns: 300 },
    );
  });
  test("serialising is canonical: serialise(parse(serialise(x))) is stable", () => {
    fc.assert(
      fc.property(dictArb, (dict) => {
        const once = serializeDictionary(dict);
        assert.equal(serializeDictionary(parseDictionary(once)), once);
      }),
      { numRuns: 300 },
    );
  });
});

describe("structured fields: agrees with an independent implementation", () => {
  test("accepts and rejects the same items as structured-headers", () => {
    fc.assert(
      fc.property(noisyArb, (text) => {
        fc.pre(!LIBRARY_DATE_BUG.test(text));
        const ours = attempt(() => parseItem(text));
        const theirs = attempt(() => reference.parseItem(text));
        assert.equal(ours.ok, theirs.ok, JSON.stringify(text));
      }),
      { numRuns: 3000 },
    );
  });
  test("accepts and rejects the same dictionaries as structured-headers", () => {
    fc.assert(
      fc.property(noisyArb, (text) => {
        fc.pre(!LIBRARY_DATE_BUG.test(text));
        const ours = attempt(() => parseDictionary(text));
        const theirs = attempt(() => reference.parseDictionary(text));
        assert.equal(ours.ok, theirs.ok, JSON.stringify(text));
        if (ours.ok && theirs.ok) {
          assert.deepEqual([...ours.value.keys()], [...theirs.value.keys()]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("structured fields: known vectors", () => {
  const integer = (value: number) => ({ type: "integer", value });
  test("integers: 15 digits at most, sign, leading zeros", () => {
    assert.deepEqual(
      parseItem("999999999999999").value,
      integer(999999999999999),
    );
    assert.deepEqual(
      parseItem("-999999999999999").value,
      integer(-999999999999999),
    );
    assert.deepEqual(parseItem("042").value, integer(42));
    assert.deepEqual(parseItem("-0").value, integer(0));
    for (const bad of ["1234567890123456", "-", "+1", "1e3", "0x10", "- 1"]) {
      assert.throws(() => parseItem(bad), SyntaxError, bad);
    }
  });
  test("decimals: 12 integer and 3 fractional digits at most", () => {
    assert.deepEqual(parseItem("1.5").value, { type: "decimal", value: 1.5 });
    assert.deepEqual(parseItem("123456789012.123").value, {
      type: "decimal",
      value: 123456789012.123,
    });
    for (const bad of ["1.", "1.2345", "1234567890123.1", ".5", "1..2"]) {
      assert.throws(() => parseItem(bad), SyntaxError, bad);
    }
  });
  test("booleans: only ?0 and ?1", () => {
    assert.deepEqual(parseItem("?1").value, { type: "boolean", value: true });
    assert.deepEqual(parseItem("?0").value, { type: "boolean", value: false });
    for (const bad of ["?2", "?", "?true", "1?", "?01", "?1?"]) {
      assert.throws(() => parseItem(bad), SyntaxError, bad);
    }
  });
  test("whitespace: spaces around an item, never tabs; OWS between members", () => {
    assert.deepEqual(parseItem("  ?1  ").value, {
      type: "boolean",
      value: true,
    });
    assert.throws(() => parseItem("\t?1"), SyntaxError);
    assert.throws(() => parseItem("?1\t"), SyntaxError);
    assert.throws(() => parseItem("1 2"), SyntaxError);
    assert.deepEqual([...parseDictionary("a=1,\t b=2").keys()], ["a", "b"]);
    assert.throws(() => parseDictionary("a =1"), SyntaxError);
    assert.throws(() => parseDictionary("a= 1"), SyntaxError);
    assert.throws(() => parseDictionary("\ta=1"), SyntaxError);
  });
  test("dictionaries: last duplicate wins, bare keys are true, no trailing comma", () => {
    const dict = parseDictionary("a=1, b, a=3;x");
    assert.deepEqual([...dict.keys()], ["a", "b"]);
    assert.deepEqual(dict.get("a"), {
      value: integer(3),
      params: new Map([["x", { type: "boolean", value: true }]]),
    });
    assert.deepEqual(dict.get("b"), {
      value: { type: "boolean", value: true },
      params: new Map(),
    });
    assert.equal(parseDictionary("").size, 0);
    for (const bad of ["a=1,", "a=1,,b=2", "A=1", "1a=1", "a=1 b=2", ",a=1"]) {
      assert.throws(() => parseDictionary(bad), SyntaxError, bad);
    }
  });
  test("strings, tokens, byte sequences, dates and display strings", () => {
    assert.deepEqual(parseItem('"a \\"q\\" \\\\"').value, {
      type: "string",
      value: 'a "q" \\',
    });
    assert.throws(() => parseItem('"\\n"'), SyntaxError);
    assert.throws(() => parseItem('"unterminated'), SyntaxError);
    assert.throws(() => parseItem('"tab\t"'), SyntaxError);
    assert.deepEqual(parseItem("foo/bar:baz").value, {
      type: "token",
      value: "foo/bar:baz",
    });
    assert.deepEqual(parseItem(":aGVsbG8=:").value, {
      type: "binary",
      value: new TextEncoder().encode("hello"),
    });
    assert.throws(() => parseItem(":a$b:"), SyntaxError);
    assert.deepEqual(parseItem("@1659578233").value, {
      type: "date",
      value: 1659578233,
    });
    assert.throws(() => parseItem("@1.5"), SyntaxError);
    assert.deepEqual(parseItem("@0;a ").params.get("a"), {
      type: "boolean",
      value: true,
    });
    // structured-headers 2.1.0 rejects it: the reason for LIBRARY_DATE_BUG.
    assert.throws(() => reference.parseItem("@0;a"));
    assert.deepEqual(parseItem('%"f%c3%bc%c3%bc"').value, {
      type: "displaystring",
      value: "füü",
    });
    assert.throws(() => parseItem('%"%C3%BC"'), SyntaxError);
    assert.throws(() => parseItem('%"%ff"'), SyntaxError);
  });
  test("inner lists and parameters", () => {
    const [first] = parseList('("a" b);lvl=5, 1;q=0.5');
    assert.ok(first && "items" in first);
    assert.equal(first.items.length, 2);
    assert.deepEqual(first.params.get("lvl"), integer(5));
    assert.throws(() => parseList('("a""b")'), SyntaxError);
    assert.throws(() => parseList("(1 2"), SyntaxError);
  });
  test("serialising refuses what the RFC cannot carry", () => {
    const item = (value: BareItem): SfItem => ({ value, params: new Map() });
    assert.throws(
      () => serializeItem(item(integer(1e15) as BareItem)),
      TypeError,
    );
    assert.throws(
      () => serializeItem(item({ type: "string", value: "\n" })),
      TypeError,
    );
    assert.throws(
      () => serializeItem(item({ type: "token", value: "1a" })),
      TypeError,
    );
    assert.throws(
      () =>
        serializeDictionary(new Map([["Key", item(integer(1) as BareItem)]])),
      TypeError,
    );
    assert.equal(serializeItem(item({ type: "decimal", value: 1 })), "1.0");
    assert.equal(
      serializeItem(item({ type: "decimal", value: 0.0005 })),
      "0.0",
    );
    assert.equal(
      serializeItem(item({ type: "decimal", value: 0.0015 })),
      "0.002",
    );
  });
});
