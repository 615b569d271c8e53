/**
 * Parsers for option values. Each throws an `Error` whose message names the
 * option and the value; `args.ts` turns it into a `UsageError`.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/**
 * A size in bytes: digits, optionally with a unit. `K`, `M`, `G` and `KiB`,
 * `MiB`, `GiB` are powers of 1024; `KB`, `MB`, `GB` powers of 1000.
 *
 * @param option The option's name, for the message.
 * @param text The value, e.g. `1048576`, `1MiB`, `8M`, `1.5MiB`.
 * @returns A positive whole number of bytes.
 * @throws {Error} When `text` is not such a size.
 */
export function parseSize(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new Error(
      `${option} must be a size in bytes like 1048576, 1MiB or 8M (got ${
        JSON.stringify(text)
      })`,
    );
  }
  return bytes;
}

/**
 * A whole number of at least `min`, digits only.
 *
 * @throws {Error} When `text` is not one.
 */
export function parseCount(option: string, text: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(
      `${option} must be a whole number of at least ${min} (got ${
        JSON.stringify(text)
      })`,
    );
  }
  return value;
}

const DURATION_UNITS: Record<string, number> = {
  "": 1000,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A duration: a number of seconds, or a number with `ms`, `s`, `m` or `h`.
 *
 * @param option The option's name, for the message.
 * @param text The value, e.g. `30`, `1.5s`, `500ms`, `10m`, `24h`.
 * @param min The least number of ms accepted (default 1).
 * @returns The duration in whole milliseconds.
 * @throws {Error} When `text` is not such a duration.
 */
export function parseDuration(option: string, text: string, min = 1): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|)$/i.exec(text.trim());
  const unit = match ? DURATION_UNITS[match[2]!.toLowerCase()] : undefined;
  const ms = match && unit ? Math.round(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(ms) || ms < min || ms >= 2 ** 40) {
    throw new Error(
      `${option} must be a duration like 30 (seconds), 1.5s, 500ms, 10m or 2h (got ${
        JSON.stringify(text)
      })`,
    );
  }
  return ms;
}

/**
 * `--protocol`: `tus-v1` or `ietf-draft`.
 *
 * @throws {Error} For any other value.
 */
export function parseProtocol(text: string): "tus-v1" | "ietf-draft" {
  if (text === "tus-v1" || text === "ietf-draft") return text;
  throw new Error(
    `--protocol must be tus-v1 or ietf-draft (got ${JSON.stringify(text)})`,
  );
}

/**
 * A TCP port, 0 (any free port) to 65535.
 *
 * @throws {Error} When `text` is not one.
 */
export function parsePort(text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new Error(
      `--port must be a port number from 0 to 65535 (got ${
        JSON.stringify(text)
      })`,
    );
  }
  return port;
}

/**
 * `--checksum`: an algorithm, or `none` (no `Upload-Checksum`).
 *
 * @throws {Error} For any other value.
 */
export function parseChecksum(
  text: string,
): false | "sha1" | "sha256" | "sha512" {
  if (text === "none") return false;
  if (text === "sha1" || text === "sha256" || text === "sha512") return text;
  throw new Error(
    `--checksum must be sha1, sha256, sha512 or none (got ${
      JSON.stringify(text)
    })`,
  );
}

/**
 * An absolute http(s) URL.
 *
 * @param what The option or argument, for the message.
 * @throws {Error} For anything else.
 */
export function parseUrl(what: string, text: string): string {
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(
      `${what} must be an absolute http(s) URL (got ${JSON.stringify(text)})`,
    );
  }
  return text;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `--header "Name: value"` as a `[name, value]` entry.
 *
 * @throws {Error} For a missing colon, a bad name or a line break.
 */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(":");
  const name = colon === -1 ? "" : text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  // The value is never echoed: it may be a credential.
  if (!TOKEN.test(name)) {
    const got = colon === -1 ? "no colon" : `name ${JSON.stringify(name)}`;
    throw new Error(`--header must look like "Name: value" (got ${got})`);
  }
  if (/[\r\n\0]/.test(value)) {
    throw new Error(`--header ${name} has a line break in its value`);
  }
  return [name, value];
}

/**
 * `--metadata key=value`, repeated, as one record. Keys follow the tus
 * rule for `Upload-Metadata`: not empty, no spaces, no commas.
 *
 * @throws {Error} For a missing `=`, a bad key or a key given twice.
 */
export function parseMetadata(
  entries: readonly string[],
): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    const key = equals === -1 ? "" : entry.slice(0, equals);
    if (!key || /[\s,]/.test(key)) {
      throw new Error(
        `--metadata must look like key=value with a key free of spaces and commas (got ${
          JSON.stringify(entry)
        })`,
      );
    }
    if (Object.hasOwn(metadata, key)) {
      throw new Error(`--metadata gives ${JSON.stringify(key)} twice`);
    }
    metadata[key] = entry.slice(equals + 1);
  }
  return metadata;
}
