import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import {
  type ChecksumAlgorithm,
  checksumHeader,
  resolveChecksumChoice,
} from "../../src/protocol/checksum.ts";
import { bytesToBase64 } from "../../src/protocol/metadata.ts";
import type { ChunkSource } from "../../src/input/chunk_source.ts";
import { sliceSource, splitRanges } from "../../src/input/slice_source.ts";
import { runs } from "./_property.ts";

const DIGESTS: Record<ChecksumAlgorithm, (bytes: Uint8Array) => Uint8Array> = {
  sha1,
  sha256,
  sha512,
};
const ALGORITHMS = Object.keys(DIGESTS) as ChecksumAlgorithm[];

/** Standard Base64 written independently of the code under test. */
function base64(bytes: Uint8Array): string {
  const table =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = bytes.subarray(i, i + 3);
    const n = (a << 16) | (b << 8) | c;
    const left = bytes.length - i;
    out += table[n >> 18]! + table[(n >> 12) & 63]!;
    out += left > 1 ? table[(n >> 6) & 63]! : "=";
    out += left > 2 ? table[n & 63]! : "=";
  }
  return out;
}

describe("Upload-Checksum formatting (properties)", () => {
  test("checksumHeader() is '<algorithm> <base64 digest>' of exactly the bytes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALGORITHMS),
        fc.uint8Array({ maxLength: 4096 }),
        async (algorithm, bytes) => {
          const header = await checksumHeader(algorithm, bytes);
          const digest = DIGESTS[algorithm](bytes);
          assert.equal(header, `${algorithm} ${base64(digest)}`);
          assert.match(header, /^(sha1|sha256|sha512) [A-Za-z0-9+/]+={0,2}$/);
        },
      ),
      runs(300),
    );
  });

  test("bytesToBase64() matches standard Base64 at any length, past its 32 KiB step too", () => {
    const length = fc.oneof(
      fc.nat({ max: 100 }),
      fc.integer({ min: 0x8000 - 3, max: 0x8000 + 3 }),
      fc.integer({ min: 0, max: 200_000 }),
    );
    fc.assert(
      fc.property(length, fc.integer(), (size, seed) => {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (seed + i * 7919) & 0xff;
        assert.equal(bytesToBase64(bytes), base64(bytes));
      }),
      runs(60),
    );
  });

  test(
    "resolveChecksumChoice() gives an algorithm for exactly its three names, else a RangeError",
    () => {
      const name = fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.constantFrom(
          ...ALGORITHMS,
          "SHA1",
          "sha-1",
          "md5",
          ...Object.getOwnPropertyNames(Object.prototype),
        ),
      );
      fc.assert(
        fc.property(name, (option) => {
          if ((ALGORITHMS as string[]).includes(option)) {
            assert.equal(resolveChecksumChoice(option), option);
          } else {
            assert.throws(() => resolveChecksumChoice(option), RangeError);
          }
        }),
        runs(500),
      );
    },
  );

  test("resolveChecksumChoice(): true negotiates, false is none", () => {
    assert.equal(resolveChecksumChoice(true), "negotiate");
    assert.equal(resolveChecksumChoice(false), null);
  });
});

/** Every range in order, contiguous, none empty, covering `[0, size)`. */
function assertExactCover(
  ranges: Array<[number, number]>,
  size: number,
  count: number,
): void {
  assert.equal(ranges.length, Math.max(1, Math.min(count, size)));
  let at = 0;
  for (const [start, end] of ranges) {
    assert.equal(start, at, `gap or overlap at ${at}`);
    assert.ok(end > start || size === 0, `empty range at ${start}`);
    at = end;
  }
  assert.equal(at, size, "the ranges do not end at the size");
}

describe("splitRanges() (properties)", () => {
  test("ranges cover the input exactly, in order, without overlap, none empty", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 64 }),
        (size, count) =>
          assertExactCover(splitRanges(size, count), size, count),
      ),
      runs(2000),
    );
  });

  test("small inputs: never more ranges than bytes, lengths differ by at most one", () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.integer({ min: 1, max: 120 }), (
        size,
        count,
      ) => {
        const ranges = splitRanges(size, count);
        assertExactCover(ranges, size, count);
        const lengths = ranges.map(([start, end]) => end - start);
        assert.ok(Math.max(...lengths) - Math.min(...lengths) <= 1);
      }),
      runs(1000),
    );
  });

  test("the cover stays exact for sizes up to Number.MAX_SAFE_INTEGER", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2 ** 50, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 2, max: 64 }),
        (size, count) =>
          assertExactCover(splitRanges(size, count), size, count),
      ),
      runs(2000),
    );
  });
});

describe("sliceSource() (properties)", () => {
  test("reads only its own range, whatever length is asked", async () => {
    const scenario = fc.integer({ min: 1, max: 300 }).chain((size) =>
      fc.record({
        size: fc.constant(size),
        count: fc.integer({ min: 1, max: 8 }),
        part: fc.nat(),
        offset: fc.nat({ max: size }),
        length: fc.integer({ min: 1, max: size + 50 }),
      })
    );
    await fc.assert(
      fc.asyncProperty(
        scenario,
        async ({ size, count, part, offset, length }) => {
          const bytes = Uint8Array.from({ length: size }, (_, i) => i & 0xff);
          const base: ChunkSource = {
            size,
            read: (at, n) => Promise.resolve(bytes.slice(at, at + n)),
            close: () => Promise.resolve(),
          };
          const ranges = splitRanges(size, count);
          const [start, end] = ranges[part % ranges.length]!;
          const slice = sliceSource(base, start, end);
          assert.equal(slice.size, end - start);
          if (offset > end - start) return;
          const read = await slice.read(offset, length);
          assert.deepEqual(
            read,
            bytes.slice(start + offset, Math.min(end, start + offset + length)),
          );
        },
      ),
      runs(500),
    );
  });
});
