/**
 * One byte range of a seekable source, seen as a source of its own: the
 * parts of a parallel upload read their range through it.
 *
 * @module
 */
import type { ChunkSource } from "./chunk_source.ts";

/**
 * The bytes `[start, end)` of `base`. Closing a slice leaves `base` open:
 * its owner closes it once every part is done.
 */
export function sliceSource(
  base: ChunkSource,
  start: number,
  end: number,
): ChunkSource {
  const stream = base.stream;
  const readInto = base.readInto;
  return {
    size: end - start,
    read: (offset, length) =>
      base.read(start + offset, Math.min(length, end - start - offset)),
    readInto: readInto
      ? (offset, target) =>
        readInto.call(
          base,
          start + offset,
          target.subarray(
            0,
            Math.max(0, Math.min(target.length, end - start - offset)),
          ),
        )
      : undefined,
    stream: stream
      ? (offset, stop) => stream.call(base, start + offset, start + stop)
      : undefined,
    close: () => Promise.resolve(),
  };
}

/**
 * Splits `size` bytes into `count` ranges of nearly equal length (never
 * more ranges than bytes, always at least one).
 */
export function splitRanges(
  size: number,
  count: number,
): Array<[start: number, end: number]> {
  const parts = Math.max(1, Math.min(count, size));
  // i * size could pass 2^53 for huge sizes: split into a base length and
  // a remainder spread over the first parts instead.
  const base = Math.floor(size / parts);
  const extra = size % parts;
  const startOf = (i: number) => i * base + Math.min(i, extra);
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < parts; i++) ranges.push([startOf(i), startOf(i + 1)]);
  return ranges;
}
