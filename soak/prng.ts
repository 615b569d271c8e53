/**
 * A small seeded pseudo-random generator (mulberry32) and the draws the soak
 * makes from it, so that a seed always replays the same plan.
 *
 * @module
 */

/**
 * Seeded pseudo-random numbers: the same seed gives the same sequence.
 *
 * @example Drawing a size and a choice
 * ```ts
 * import { Prng } from "./prng.ts";
 *
 * const prng = new Prng(42);
 * const size = prng.int(0, 1024);
 * const kind = prng.pick(["path", "blob"] as const);
 * console.log(size >= 0 && size <= 1024, kind.length > 0); // true true
 * ```
 */
export class Prng {
  #state: number;

  /** @param seed Any integer; 0 is fine. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An unsigned 32-bit seed for a derived generator. */
  seed(): number {
    return Math.floor(this.next() * 4_294_967_296) >>> 0;
  }
}

/**
 * `size` pseudo-random bytes from `seed` (xorshift32, four bytes a step).
 *
 * @example Same seed, same bytes
 * ```ts
 * import { seededBytes } from "./prng.ts";
 *
 * console.log(seededBytes(8, 1).join() === seededBytes(8, 1).join()); // true
 * ```
 */
export function seededBytes(
  size: number,
  seed: number,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer, 0, size >>> 2);
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
  for (let i = words.length * 4; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
