/**
 * `Upload-Checksum` values (checksum extension) computed with WebCrypto.
 *
 * @module
 */
import type * as NodeCrypto from "node:crypto";
import { optionalBuiltin } from "../runtime/builtin.ts";
import { bytesToBase64 } from "./metadata.ts";

/** Algorithms the client can send in `Upload-Checksum`. */
export type ChecksumAlgorithm = "sha1" | "sha256" | "sha512";

const WEB_CRYPTO_NAMES: Record<ChecksumAlgorithm, string> = {
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha512: "SHA-512",
};

/**
 * The `Upload-Checksum` header value for `bytes`: `<algorithm> <base64>`.
 */
export async function checksumHeader(
  algorithm: ChecksumAlgorithm,
  bytes: Uint8Array,
): Promise<string> {
  // node:crypto hashes about 1.5x faster than WebCrypto (1.6 against
  // 1.1 GB/s on Deno, Bun and Node alike); browsers use WebCrypto.
  const nodeCrypto = optionalBuiltin<typeof NodeCrypto>("node:crypto");
  if (nodeCrypto) {
    const hash = nodeCrypto.createHash(algorithm).update(bytes);
    return `${algorithm} ${hash.digest("base64")}`;
  }
  const digest = await crypto.subtle.digest(
    WEB_CRYPTO_NAMES[algorithm],
    bytes as Uint8Array<ArrayBuffer>,
  );
  return `${algorithm} ${bytesToBase64(new Uint8Array(digest))}`;
}

/**
 * Turns the `checksum` option into an algorithm, or `null` for none.
 *
 * @throws {RangeError} for an unknown algorithm name.
 */
export function resolveChecksumAlgorithm(
  option: boolean | string,
): ChecksumAlgorithm | null {
  if (option === false) return null;
  if (option === true) return "sha1";
  if (option in WEB_CRYPTO_NAMES) return option as ChecksumAlgorithm;
  throw new RangeError(
    `Cannot use checksum "${option}": choose true, false, "sha1", "sha256" or "sha512"`,
  );
}
