/**
 * Node built-in modules, loaded when first used rather than imported at
 * the top: a browser bundle of tusflow then never meets `node:*`, and only
 * the code paths that need files (paths, file URL storage) ask for them.
 *
 * @module
 */

/**
 * The Node built-in `name` (`"node:fs/promises"`, …), through
 * `process.getBuiltinModule` (Deno 2, Bun, Node >= 20.16).
 *
 * @throws {Error} naming the module where the runtime has none (browsers).
 */
export function builtin<T>(name: string): T {
  const module = optionalBuiltin<T>(name);
  if (module === null) {
    throw new Error(
      `Cannot load ${name}: this runtime has no Node built-ins (file paths need Deno, Bun or Node >= 20.16)`,
    );
  }
  return module as T;
}

/**
 * The Node built-in `name`, or `null` where the runtime has none: for code
 * that has a portable fallback.
 */
export function optionalBuiltin<T>(name: string): T | null {
  const { process } = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
  };
  return (process?.getBuiltinModule?.(name) as T | undefined) ?? null;
}
