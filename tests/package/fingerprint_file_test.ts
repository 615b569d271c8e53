/**
 * A `File` in a browser is fingerprinted by name, size, type and
 * modification time, not by hashing it; with `node:crypto` (Deno, Bun,
 * Node) it is still hashed whole.
 */
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import * as esbuild from "esbuild";
import { Fingerprint } from "../../src/fingerprint.ts";
import { browserVariants } from "../../npm-build.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** False on the Node leg, which runs the built package, not the sources. */
const FROM_SOURCES = existsSync(join(ROOT, "src", "fingerprint.ts"));
const BYTES = new TextEncoder().encode("hello");
const HASHED = `size:5--sha256:${
  createHash("sha256").update(BYTES).digest("hex")
}`;

/** A File that fails any read: proves that nothing was read. */
class UnreadableFile extends File {
  override slice(): Blob {
    throw new Error("Cannot read: this file must not be read");
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    throw new Error("Cannot read: this file must not be read");
  }
  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    throw new Error("Cannot read: this file must not be read");
  }
}

const file = (name: string, type: string) =>
  new File([BYTES], name, { type, lastModified: 1_700_000_000_123 });

describe("Fingerprint of a File", () => {
  test("is the content hash by default where node:crypto exists", async () => {
    const fingerprinter = new Fingerprint();
    assert.equal(
      await fingerprinter.getFingerprint(file("a.txt", "image/png")),
      HASHED,
    );
  });

  test("hashFiles: false gives file:<name>:<size>:<type>:<lastModified> without reading", async () => {
    const fingerprinter = new Fingerprint({ hashFiles: false });
    const unreadable = new UnreadableFile([BYTES], "a.txt", {
      type: "image/png",
      lastModified: 1_700_000_000_123,
    });
    assert.equal(
      await fingerprinter.getFingerprint(unreadable),
      "file:a.txt:5:image%2Fpng:1700000000123",
    );
  });

  test("hashFiles: false encodes separators in the name and type", async () => {
    const fingerprinter = new Fingerprint({ hashFiles: false });
    assert.equal(
      await fingerprinter.getFingerprint(file("b:c d.bin", "")),
      "file:b%3Ac%20d.bin:5::1700000000123",
    );
  });

  test("hashFiles: false still hashes a plain Blob and bytes", async () => {
    const fingerprinter = new Fingerprint({ hashFiles: false });
    assert.equal(await fingerprinter.getFingerprint(new Blob([BYTES])), HASHED);
    assert.equal(await fingerprinter.getFingerprint(BYTES), HASHED);
  });

  test("hashFiles must be a boolean", () => {
    assert.throws(
      () => new Fingerprint({ hashFiles: "no" as unknown as boolean }),
      { name: "TypeError", message: /hashFiles must be true or false/ },
    );
  });

  test("the browser build, where no node:crypto exists, does not read a File", {
    skip: FROM_SOURCES ? false : "bundles the sources, which are not here",
  }, async () => {
    let code: string;
    try {
      const result = await esbuild.build({
        absWorkingDir: ROOT,
        stdin: {
          contents: 'export { Fingerprint } from "./src/fingerprint.ts";',
          resolveDir: ROOT,
          loader: "ts",
        },
        bundle: true,
        platform: "browser",
        format: "iife",
        globalName: "tusflow",
        write: false,
        logLevel: "silent",
        plugins: [browserVariants(ROOT)],
      });
      code = result.outputFiles[0]!.text;
    } finally {
      await esbuild.stop();
    }
    // A fresh realm with the web globals a browser has, and no `process`.
    const { Fingerprint: BrowserFingerprint } = runInNewContext(
      `${code};tusflow`,
      { Blob, File, ReadableStream, TextEncoder },
    ) as { Fingerprint: typeof Fingerprint };
    const unreadable = new UnreadableFile([BYTES], "a.txt", {
      type: "image/png",
      lastModified: 1_700_000_000_123,
    });
    assert.equal(
      await new BrowserFingerprint().getFingerprint(unreadable),
      "file:a.txt:5:image%2Fpng:1700000000123",
    );
  });
});
