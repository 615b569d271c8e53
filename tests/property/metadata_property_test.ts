import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  assertValidMetadata,
  decodeMetadata,
  encodeMetadata,
} from "../../src/protocol/metadata.ts";
import { parseMetadata } from "../../src/testing/_headers.ts";
import { runs } from "./_property.ts";

// tus 1.0.0, Upload-Metadata: comma-separated pairs, key and value separated
// by a space; the key MUST NOT contain spaces and commas and MUST NOT be
// empty, it SHOULD be ASCII; the value MUST be Base64 and MAY be empty (the
// space MAY then be left out); keys MUST be unique.

/** Visible ASCII but the comma: every key the spec allows and HTTP carries. */
const KEY_CHARS = Array.from(
  { length: 0x7e - 0x21 + 1 },
  (_, i) => String.fromCharCode(0x21 + i),
).filter((char) => char !== ",");

/** Names that are also properties of every plain object. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype);

// "__proto__" has its own, known-defect property below.
const key = fc.string({
  unit: fc.constantFrom(...KEY_CHARS),
  minLength: 1,
  maxLength: 12,
}).filter((name) => name !== "__proto__");

/** Well-formed Unicode text: what a metadata value can be. */
const value = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }).filter((s) => s.isWellFormed()),
  fc.constant(""),
);

const metadata = fc.dictionary(key, value, {
  maxKeys: 8,
  noNullPrototype: true,
});

describe("Upload-Metadata codec (properties)", () => {
  test("decodeMetadata(encodeMetadata(m)) is m for every valid m", () => {
    fc.assert(
      fc.property(metadata, (m) => {
        assertValidMetadata(m);
        assert.deepEqual({ ...decodeMetadata(encodeMetadata(m)) }, m);
      }),
      runs(500),
    );
  });

  test("the encoded header follows the grammar: the server's own parser reads the same values", () => {
    fc.assert(
      fc.property(metadata, (m) => {
        const header = encodeMetadata(m);
        if (Object.keys(m).length === 0) {
          assert.equal(header, null);
          return;
        }
        assert.ok(header !== null);
        assert.doesNotThrow(() => new Headers({ "Upload-Metadata": header }));
        for (const pair of header.split(",")) {
          assert.match(pair, /^[!-+\--~]+( [A-Za-z0-9+/]+={0,2})?$/);
        }
        assert.deepEqual({ ...parseMetadata(header) }, m);
      }),
      runs(500),
    );
  });

  test("a value that is Base64 but not UTF-8 is returned raw, the other keys still decode", () => {
    const notUtf8 = fc.uint8Array({ minLength: 1, maxLength: 12 }).filter(
      (bytes) => {
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(bytes);
          return false;
        } catch {
          return true;
        }
      },
    );
    fc.assert(
      fc.property(key, notUtf8, key, value, (k, raw, other, text) => {
        fc.pre(k !== other);
        const encoded = btoa(String.fromCharCode(...raw));
        const header = `${k} ${encoded},${encodeMetadata({ [other]: text })}`;
        assert.deepEqual({ ...decodeMetadata(header) }, {
          [k]: encoded,
          [other]: text,
        });
      }),
      runs(300),
    );
  });

  test("the server's parser keeps keys named like Object.prototype properties", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROTOTYPE_KEYS), value, (name, text) => {
        const m: Record<string, string> = Object.fromEntries([[name, text]]);
        const parsed = parseMetadata(encodeMetadata(m) ?? "");
        assert.deepEqual(Object.entries(parsed), [[name, text]]);
      }),
      runs(100),
    );
  });

  test("latin1 encodes each character as one byte", () => {
    const latin1 = fc.string({
      unit: fc.integer({ min: 0, max: 0xff }).map((c) =>
        String.fromCharCode(c)
      ),
      minLength: 1,
      maxLength: 20,
    });
    fc.assert(
      fc.property(
        fc.dictionary(key, latin1, { minKeys: 1, maxKeys: 5 }),
        (m) => {
          const header = encodeMetadata(m, "latin1") ?? "";
          for (const pair of header.split(",")) {
            const [name = "", encoded = ""] = pair.split(" ");
            assert.equal(atob(encoded), m[name]);
          }
        },
      ),
      runs(200),
    );
  });

  test("keys that are empty or hold a space or a comma are refused with a TypeError", () => {
    const bad = fc.oneof(
      fc.constant(""),
      fc.tuple(
        fc.string({ maxLength: 5 }),
        fc.constantFrom(" ", ",", "\t", "\n", "\u00a0"),
        fc.string({ maxLength: 5 }),
      ).map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(bad, value, (name, text) => {
        assert.throws(() => assertValidMetadata({ [name]: text }), TypeError);
      }),
      runs(300),
    );
  });

  test("values that are not strings are refused with a TypeError", () => {
    const notString = fc.oneof(
      fc.integer(),
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.object({ maxDepth: 1 }),
      fc.array(fc.string(), { maxLength: 2 }),
    );
    fc.assert(
      fc.property(key, notString, (name, bad) => {
        const m = { [name]: bad } as unknown as Record<string, string>;
        assert.throws(() => assertValidMetadata(m), TypeError);
      }),
      runs(300),
    );
  });

  test("decodeMetadata never throws and returns only non-empty keys without space or comma", () => {
    const header = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.array(
        fc.tuple(
          fc.string({ maxLength: 6 }),
          fc.base64String({ maxLength: 12 }),
        )
          .map(([k, v]) => `${k} ${v}`),
        { maxLength: 5 },
      ).map((pairs) => pairs.join(",")),
    );
    fc.assert(
      fc.property(header, (h) => {
        const decoded = decodeMetadata(h);
        for (const [name, text] of Object.entries(decoded)) {
          assert.ok(name !== "" && !/[ ,]/.test(name), JSON.stringify(name));
          assert.equal(typeof text, "string");
        }
      }),
      runs(500),
    );
  });

  test(
    "a key named like an Object.prototype property survives the round trip",
    () => {
      fc.assert(
        fc.property(fc.constantFrom(...PROTOTYPE_KEYS), value, (name, text) => {
          const m: Record<string, string> = Object.fromEntries([[name, text]]);
          const decoded = decodeMetadata(encodeMetadata(m));
          assert.deepEqual(Object.entries(decoded), [[name, text]]);
        }),
        runs(100),
      );
    },
  );

  test("every key assertValidMetadata accepts can be sent in a header", () => {
    const anyKey = fc.string({ unit: "binary", minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(anyKey, (name) => {
        const m = { [name]: "x" };
        let valid = true;
        try {
          assertValidMetadata(m);
        } catch {
          valid = false;
        }
        if (!valid) return;
        const header = encodeMetadata(m) ?? "";
        assert.doesNotThrow(() => new Headers({ "Upload-Metadata": header }));
        assert.deepEqual({ ...decodeMetadata(header) }, m);
      }),
      runs(300),
    );
  });

  test(
    "a value that is not well-formed UTF-16 is refused, not silently changed",
    () => {
      const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) =>
        String.fromCharCode(c)
      );
      fc.assert(
        fc.property(
          key,
          fc.string({ maxLength: 3 }),
          surrogate,
          (k, s, lone) => {
            const m = { [k]: `${s}${lone}` };
            let refused = false;
            try {
              assertValidMetadata(m);
            } catch (error) {
              refused = error instanceof TypeError;
            }
            if (!refused) {
              assert.deepEqual(
                decodeMetadata(encodeMetadata(m)),
                m,
              );
            }
          },
        ),
        runs(100),
      );
    },
  );
});
