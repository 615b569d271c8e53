/**
 * Checks and completes the options of the test server.
 *
 * @module
 */

/** Every tus 1.0.0 extension this server implements, in advertised order. */
export const TUS_EXTENSIONS: readonly string[] = Object.freeze([
  "creation",
  "creation-with-upload",
  "creation-defer-length",
  "termination",
  "checksum",
  "expiration",
  "concatenation",
]);

/** Checksum algorithms this server can verify, by tus name. */
export const CHECKSUM_DIGESTS: Readonly<Record<string, string>> = Object.freeze(
  { sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" },
);

/** The options that shape the protocol, as given. */
export interface TusConfigOptions {
  basePath?: string;
  maxSize?: number | null;
  extensions?: readonly string[];
  checksumAlgorithms?: readonly string[];
  expiresInMs?: number | null;
}

/** The options, checked, with every default applied. */
export interface TusConfig {
  readonly basePath: string;
  readonly maxSize: number | null;
  readonly extensions: readonly string[];
  readonly checksumAlgorithms: readonly string[];
  readonly expiresInMs: number | null;
  has(extension: string): boolean;
}

/** Validates `options` and fills in the defaults. */
export function resolveConfig(options: TusConfigOptions): TusConfig {
  const basePath = options.basePath ?? "/files/";
  if (typeof basePath !== "string" || !basePath.startsWith("/")) {
    throw new TypeError(
      "Cannot configure tus server: basePath must start with /",
    );
  }
  const maxSize = options.maxSize ?? null;
  if (maxSize !== null && !(Number.isSafeInteger(maxSize) && maxSize >= 0)) {
    throw new RangeError(
      "Cannot configure tus server: maxSize must be a non-negative integer or null",
    );
  }
  const extensions = [...(options.extensions ?? TUS_EXTENSIONS)];
  for (const name of extensions) {
    if (!TUS_EXTENSIONS.includes(name)) {
      throw new RangeError(
        `Cannot configure tus server: unknown extension ${name}`,
      );
    }
  }
  for (const dependent of ["creation-with-upload", "creation-defer-length"]) {
    if (extensions.includes(dependent) && !extensions.includes("creation")) {
      throw new RangeError(
        `Cannot configure tus server: ${dependent} needs creation`,
      );
    }
  }
  const checksumAlgorithms = [
    ...(options.checksumAlgorithms ?? ["sha1", "sha256", "sha512"]),
  ];
  for (const name of checksumAlgorithms) {
    if (!(name in CHECKSUM_DIGESTS)) {
      throw new RangeError(
        `Cannot configure tus server: unsupported checksum algorithm ${name}`,
      );
    }
  }
  const expiresInMs = options.expiresInMs ?? null;
  if (expiresInMs !== null && !(expiresInMs > 0 && expiresInMs < 2 ** 40)) {
    throw new RangeError(
      "Cannot configure tus server: expiresInMs must be a positive number of ms or null",
    );
  }
  const enabled = new Set(extensions);
  return Object.freeze({
    basePath: basePath.endsWith("/") ? basePath : `${basePath}/`,
    maxSize,
    extensions: Object.freeze(extensions),
    checksumAlgorithms: Object.freeze(checksumAlgorithms),
    expiresInMs,
    has: (extension: string) => enabled.has(extension),
  });
}
