import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { TusClient } from "../../mod.ts";
import { FileUploadStore } from "../../src/testing/file_store.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import type { NewUpload } from "../../src/testing/store.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

async function withDir<T>(
  run: (dir: string) => T | Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "tusflow-file-store-"));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function upload(id: string, change: Partial<NewUpload> = {}): NewUpload {
  return {
    id,
    url: `http://127.0.0.1/files/${id}`,
    length: 10,
    metadataHeader: null,
    metadata: {},
    kind: "single",
    concatHeader: null,
    parts: [],
    expiresAt: null,
    ...change,
  };
}

const text = (value: string) => new TextEncoder().encode(value);
const decoded = (bytes: Uint8Array | null) =>
  bytes === null ? null : new TextDecoder().decode(bytes);

describe("FileUploadStore", () => {
  test("appends to a file per upload; truncate and read follow the offset", async () => {
    await withDir(async (dir) => {
      const store = new FileUploadStore(dir);
      assert.equal(store.create(upload("a")).offset, 0);
      store.append("a", text("hello "));
      store.append("a", text("world"));
      assert.equal(store.get("a")?.offset, 11);
      assert.equal(await readFile(join(dir, "a.bin"), "utf8"), "hello world");
      store.truncate("a", 5);
      assert.equal(store.get("a")?.offset, 5);
      assert.equal(decoded(store.read("a")), "hello");
      assert.equal((await stat(join(dir, "a.bin"))).size, 5);
      store.truncate("a", 50);
      assert.equal(store.get("a")?.offset, 5, "never grows by truncation");
    });
  });

  test("a restarted store knows its uploads, offsets and lengths", async () => {
    await withDir(async (dir) => {
      const first = new FileUploadStore(dir);
      first.create(upload("a", { length: null, metadata: { name: "x" } }));
      first.append("a", text("abc"));
      first.setLength("a", 7);
      first.create(upload("b"));
      first.markGone("b", 410);
      const second = new FileUploadStore(dir);
      assert.deepEqual(
        second.list().map((u) => [u.id, u.offset, u.length, u.gone]),
        [["a", 3, 7, null], ["b", 0, 10, 410]],
      );
      assert.deepEqual(second.get("a")?.metadata, { name: "x" });
      second.append("a", text("defg"));
      assert.equal(decoded(second.read("a")), "abcdefg");
      assert.equal(second.read("b"), null);
      assert.deepEqual((await readdir(dir)).sort(), [
        "a.bin",
        "a.json",
        "b.json",
      ]);
    });
  });

  test("unknown ids and unsafe ids are refused by name", async () => {
    await withDir((dir) => {
      const store = new FileUploadStore(dir);
      assert.equal(store.get("nope"), null);
      assert.equal(store.read("nope"), null);
      assert.throws(() => store.append("nope", text("x")), /upload nope/);
      assert.throws(
        () => store.create(upload("../escape")),
        /Cannot store upload "\.\.\/escape": its id is not a safe file name/,
      );
    });
  });

  test("serves a whole client upload, parallel parts and their concatenation", async () => {
    await withDir(async (dir) => {
      const store = new FileUploadStore(dir);
      await using server = await startTusServer({ store });
      const client = new TusClient(server.url, {
        chunkSize: 64 * 1024,
        parallelUploads: 3,
      });
      const bytes = randomBytes(500_000, 5);
      const url = await client.uploadFile({ fileStream: bytes });
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      const final = server.uploadOf(url);
      assert.equal(final?.offset, 500_000);
      const id = url.split("/").at(-1)!;
      assert.equal((await stat(join(dir, `${id}.bin`))).size, 500_000);
      assert.equal(store.list().length, 4, "three parts and the final");
    });
  });
});
