/**
 * `removeFingerprintOnSuccess` after a parallel upload: the contract says a
 * completed upload's stored URL is removed. The parallel chart has no
 * state that forgets on success (`concatenating → remembering → done`), so
 * the final URL and every part's URL stay stored: failing today.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient } from "../../../mod.ts";
import { startTusServer } from "../../../src/testing/mod.ts";
import { randomBytes } from "../../_helpers.ts";
import { assertStored, FailingUrlStorage } from "./_kit.ts";

describe("a parallel upload with removeFingerprintOnSuccess", () => {
  test("leaves no URL stored once the final upload is complete", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(40 * 1024, 13);
    const urlStorage = new FailingUrlStorage();
    const client = new TusClient(server.url, {
      parallelUploads: 2,
      chunkSize: 16 * 1024,
      checksum: false,
      storeUrl: true,
      urlStorage,
      removeFingerprintOnSuccess: true,
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assertStored(server, url, bytes);
    const left: string[] = [];
    for (const key of new Set(urlStorage.keys)) {
      const stored = await urlStorage.inner.getUrl(key);
      const name = /::(part-[^:]+)$/.exec(key)?.[1] ?? "final";
      if (stored !== null) left.push(`${name} => ${stored}`);
    }
    assert.deepEqual(left, [], "URLs still stored after success");
  });
});
