import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { streamSource } from "../../src/input/stream_source.ts";
import { randomBytes, streamOf } from "../_helpers.ts";

describe("streamSource()", () => {
  test("re-reads the current chunk, learns its size at the end", async () => {
    const bytes = randomBytes(10_000);
    const source = streamSource(streamOf(bytes, 3000));
    assert.equal(source.size, null);
    assert.deepEqual(await source.read(0, 4000), bytes.subarray(0, 4000));
    assert.deepEqual(
      await source.read(0, 4000),
      bytes.subarray(0, 4000),
      "retry",
    );
    assert.deepEqual(await source.read(4000, 6000), bytes.subarray(4000));
    assert.equal(source.size, 10_000, "one byte of look-ahead found the end");
    assert.deepEqual(await source.read(10_000, 4000), new Uint8Array());
    await source.close();
  });

  test("refuses to seek back before the released offset, naming the offsets", async () => {
    const source = streamSource(streamOf(randomBytes(10_000), 1000));
    await source.read(0, 4000);
    await source.read(4000, 4000);
    source.release?.(4000);
    await assert.rejects(
      source.read(1000, 4000),
      /cannot seek back before offset 4000/,
    );
    await source.close();
  });

  test("skips forward to a resume offset", async () => {
    const bytes = randomBytes(10_000);
    const source = streamSource(streamOf(bytes, 999));
    assert.deepEqual(await source.read(7000, 2000), bytes.subarray(7000, 9000));
    await source.close();
  });
});
