import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Fingerprint } from "../src/fingerprint.ts";
import { createSha256 } from "../src/runtime/sha256.ts";
import { PureSha256 } from "../src/runtime/sha256_pure.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tusflow-fingerprint-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expected(bytes: Uint8Array): string {
  const hex = createHash("sha256").update(bytes).digest("hex");
  return `size:${bytes.length}--sha256:${hex}`;
}

function random(size: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(randomBytes(size));
}

/** Sizes around the 64-byte block and the 56-byte padding boundary. */
const SIZES = [
  0,
  1,
  3,
  55,
  56,
  57,
  63,
  64,
  65,
  119,
  120,
  127,
  128,
  1000,
  65_537,
];

describe("Fingerprint", () => {
  test("getFingerprint() is size:N--sha256:<hex> for a path, Blob, bytes and ArrayBuffer alike", async () => {
    const fingerprinter = new Fingerprint();
    for (const size of [0, 1, 1_048_575, 1_048_576, 2_500_001]) {
      const bytes = random(size);
      const path = join(dir, `same-${size}.bin`);
      await writeFile(path, bytes);
      const want = expected(bytes);
      assert.equal(await fingerprinter.getFingerprint(path), want);
      assert.equal(await fingerprinter.getFingerprint(new Blob([bytes])), want);
      assert.equal(await fingerprinter.getFingerprint(bytes), want);
      const buffer = bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.length,
      ) as ArrayBuffer;
      assert.equal(await fingerprinter.getFingerprint(buffer), want);
    }
  });

  test("getFingerprint() hashes only the bytes a Uint8Array views", async () => {
    const backing = random(100);
    const view = backing.subarray(10, 70);
    assert.equal(await new Fingerprint().getFingerprint(view), expected(view));
  });

  test("getFingerprint() differs for different content of the same size", async () => {
    const fingerprinter = new Fingerprint();
    const a = random(4096);
    const b = a.slice();
    b[4095] = b[4095]! ^ 1;
    assert.notEqual(
      await fingerprinter.getFingerprint(a),
      await fingerprinter.getFingerprint(b),
    );
  });

  test("getFingerprint() reads in pieces of pieceSize and still hashes everything", async () => {
    const bytes = random(10_000);
    const path = join(dir, "pieces.bin");
    await writeFile(path, bytes);
    for (const pieceSize of [1, 63, 64, 4096, 9_999, 10_000, 20_000]) {
      const fingerprinter = new Fingerprint({ pieceSize });
      assert.equal(await fingerprinter.getFingerprint(path), expected(bytes));
      assert.equal(
        await fingerprinter.getFingerprint(new Blob([bytes])),
        expected(bytes),
      );
    }
  });

  test("getFingerprint() of a missing path rejects naming the path", async () => {
    const path = join(dir, "does-not-exist.bin");
    await assert.rejects(
      new Fingerprint().getFingerprint(path),
      (error: Error) => {
        assert.ok(error.message.includes(path), error.message);
        return true;
      },
    );
  });

  test("getFingerprint() of a ReadableStream throws a TypeError and leaves the stream unread", async () => {
    let pulled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled = true;
        controller.close();
      },
    }, { highWaterMark: 0 });
    await assert.rejects(new Fingerprint().getFingerprint(stream), {
      name: "TypeError",
      message:
        /Cannot fingerprint a ReadableStream: .*URL storage is not available for streams/,
    });
    assert.equal(pulled, false);
    assert.equal(stream.locked, false);
  });

  test("getFingerprint() of anything else throws a TypeError", async () => {
    for (const value of [42, null, {}, new Uint16Array(4)]) {
      await assert.rejects(
        new Fingerprint().getFingerprint(value as unknown as Uint8Array),
        { name: "TypeError", message: /^Cannot fingerprint / },
      );
    }
  });

  test("the constructor rejects a pieceSize that is not a positive integer", () => {
    for (const pieceSize of [0, -1, 1.5, NaN, Infinity]) {
      assert.throws(() => new Fingerprint({ pieceSize }), RangeError);
    }
  });
});

describe("PureSha256 (the fallback without node:crypto)", () => {
  test("matches node:crypto on random data of many sizes, in one piece", () => {
    for (const size of [...SIZES, 1_048_576 + 3]) {
      const bytes = random(size);
      const want = createHash("sha256").update(bytes).digest("hex");
      assert.equal(
        new PureSha256().update(bytes).digestHex(),
        want,
        `size ${size}`,
      );
    }
  });

  test("matches node:crypto when fed in random pieces", () => {
    for (const size of SIZES) {
      const bytes = random(size);
      const hash = new PureSha256();
      let offset = 0;
      while (offset < size) {
        const length = 1 + Math.floor(Math.random() * 150);
        hash.update(bytes.subarray(offset, offset + length));
        offset += length;
      }
      hash.update(new Uint8Array(0));
      const want = createHash("sha256").update(bytes).digest("hex");
      assert.equal(hash.digestHex(), want, `size ${size}`);
    }
  });

  test("gives the FIPS 180-2 test vectors", () => {
    const text = (s: string) => new TextEncoder().encode(s);
    assert.equal(
      new PureSha256().digestHex(),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    assert.equal(
      new PureSha256().update(text("abc")).digestHex(),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    assert.equal(
      new PureSha256()
        .update(
          text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        )
        .digestHex(),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  test("refuses updates after the digest", () => {
    const hash = new PureSha256();
    hash.digestHex();
    assert.throws(() => hash.update(new Uint8Array(1)), /already read/);
    assert.throws(() => hash.digestHex(), /already read/);
  });

  test("createSha256({ native: false }) gives the fallback, and both agree", async () => {
    const bytes = random(5_000);
    const pure = await createSha256({ native: false });
    assert.ok(pure instanceof PureSha256);
    const native = await createSha256();
    assert.ok(!(native instanceof PureSha256), "node:crypto is available here");
    pure.update(bytes);
    native.update(bytes);
    assert.equal(pure.digestHex(), native.digestHex());
  });
});
