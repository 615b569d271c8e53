/**
 * The npm package as an app installs it, built into a temp dir by
 * `npm-build.ts`'s own bundling: `<dir>/node_modules/@tusflow/client`
 * holds the `esm/`, `cjs/` and browser builds with the generated
 * `package.json` (no declarations: a bundle does not need them), and
 * `<dir>/node_modules/xstate` links to ours. A bundler working in `<dir>`
 * resolves `@tusflow/client` through the package's `exports`, `browser`
 * condition included. About half a second.
 *
 * @module
 */
import {
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bundlePackage,
  type DenoJson,
  entriesOf,
  manifestOf,
} from "../../npm-build.ts";

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** An installed copy of the built package; disposing removes it. */
export interface InstalledPackage extends AsyncDisposable {
  /** The app's directory: bundle or resolve from here. */
  readonly dir: string;
  /** The package's own directory, `<dir>/node_modules/<name>`. */
  readonly packageDir: string;
  /** The package name, `@tusflow/client`. */
  readonly name: string;
}

/** Builds the package and installs it into a fresh temp dir. */
export async function installBuiltPackage(): Promise<InstalledPackage> {
  const deno: DenoJson = JSON.parse(
    await readFile(join(ROOT, "deno.json"), "utf8"),
  );
  const dir = await mkdtemp(join(tmpdir(), "tusflow-built-package-"));
  try {
    const packageDir = join(dir, "node_modules", deno.name);
    const entries = entriesOf(deno);
    const imports = await bundlePackage(deno, entries, packageDir);
    const manifest = manifestOf(deno, entries, imports, deno.name);
    await writeFile(
      join(packageDir, "package.json"),
      JSON.stringify(manifest, null, 2),
    );
    for (const dependency of Object.keys(imports.dependencies)) {
      const link = join(dir, "node_modules", dependency);
      await mkdir(dirname(link), { recursive: true });
      await symlink(join(ROOT, "node_modules", dependency), link, "dir");
    }
    return {
      dir,
      packageDir,
      name: deno.name,
      [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
