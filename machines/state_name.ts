/**
 * A machine state value as one readable string.
 *
 * @module
 */

/**
 * `"uploading"` for a top-level state, `"conflict.head"` for a nested one.
 *
 * @param value An XState state value.
 */
export function stateName(value: unknown): string {
  if (typeof value === "string") return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ??
    [];
  return key === undefined ? "" : `${key}.${stateName(child)}`;
}
