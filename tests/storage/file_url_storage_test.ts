import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FileUrlStorage } from "../../src/storage/file_url_storage.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tusflow-file-url-storage-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function freshPath(): string {
  return join(dir, `urls-${counter++}.json`);
}

describe("FileUrlStorage", () => {
  test("a missing file reads as empty and is not created by reads", async () => {
    const path = freshPath();
    const storage = new FileUrlStorage(path);
    assert.equal(await storage.getUrl("a"), null);
    await storage.removeUrl("a");
    await assert.rejects(readFile(path), { code: "ENOENT" });
  });

  test("setUrl() writes a JSON object keyed by the exact fingerprint", async () => {
    const path = freshPath();
    const storage = new FileUrlStorage(path);
    const fp = "size:3--sha256:ba7816bf";
    await storage.setUrl(fp, "https://tus.example/files/1");
    await storage.setUrl("__proto__", "https://tus.example/files/p");
    assert.deepEqual(JSON.parse(await readFile(path, "utf8")), {
      [fp]: "https://tus.example/files/1",
      ["__proto__"]: "https://tus.example/files/p",
    });
    assert.equal(await storage.getUrl(fp), "https://tus.example/files/1");
    assert.equal(
      await storage.getUrl("__proto__"),
      "https://tus.example/files/p",
    );
    assert.equal(await storage.getUrl("constructor"), null);
  });

  test("setUrl() replaces and removeUrl() forgets one entry only", async () => {
    const storage = new FileUrlStorage(freshPath());
    await storage.setUrl("a", "https://tus.example/files/1");
    await storage.setUrl("b", "https://tus.example/files/2");
    await storage.setUrl("a", "https://tus.example/files/3");
    assert.equal(await storage.getUrl("a"), "https://tus.example/files/3");
    await storage.removeUrl("a");
    assert.equal(await storage.getUrl("a"), null);
    assert.equal(await storage.getUrl("b"), "https://tus.example/files/2");
  });

  test("URLs persist across instances", async () => {
    const path = freshPath();
    await new FileUrlStorage(path).setUrl("a", "https://tus.example/files/1");
    assert.equal(
      await new FileUrlStorage(path).getUrl("a"),
      "https://tus.example/files/1",
    );
  });

  test("setUrl() creates missing directories", async () => {
    const path = join(dir, "nested", "deeper", "urls.json");
    await new FileUrlStorage(path).setUrl("a", "u");
    assert.equal(await new FileUrlStorage(path).getUrl("a"), "u");
  });

  test("writes leave no lock or temporary file behind", async () => {
    const sub = join(dir, "clean");
    const storage = new FileUrlStorage(join(sub, "urls.json"));
    await storage.setUrl("a", "u");
    await storage.setUrl("b", "v");
    await storage.removeUrl("a");
    assert.deepEqual(await readdir(sub), ["urls.json"]);
  });

  test("a corrupt file is an error naming the path and is left untouched", async () => {
    const path = freshPath();
    const corrupt = '{"a": "https://tus.example/files/1", "b": ';
    await writeFile(path, corrupt);
    const storage = new FileUrlStorage(path);
    const namesPath = (error: Error) => {
      assert.match(error.message, /^Cannot read URL storage /);
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, /not valid JSON/);
      return true;
    };
    await assert.rejects(storage.getUrl("a"), namesPath);
    await assert.rejects(storage.setUrl("c", "u"), namesPath);
    await assert.rejects(storage.removeUrl("a"), namesPath);
    assert.equal(await readFile(path, "utf8"), corrupt);
  });

  test("a JSON file that is not an object of strings is an error", async () => {
    for (const content of ["[]", "null", '{"a": 1}']) {
      const path = freshPath();
      await writeFile(path, content);
      await assert.rejects(
        new FileUrlStorage(path).setUrl("b", "u"),
        (error: Error) => {
          assert.ok(error.message.includes(path), error.message);
          return true;
        },
      );
      assert.equal(await readFile(path, "utf8"), content);
    }
  });

  test("an empty file reads as empty", async () => {
    const path = freshPath();
    await writeFile(path, "");
    const storage = new FileUrlStorage(path);
    assert.equal(await storage.getUrl("a"), null);
    await storage.setUrl("a", "u");
    assert.equal(await storage.getUrl("a"), "u");
  });

  test("concurrent setUrl() calls in one process lose no entry", async () => {
    const path = freshPath();
    const first = new FileUrlStorage(path);
    const second = new FileUrlStorage(path);
    await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) =>
          (i % 2 ? first : second).setUrl(
            `key-${i}`,
            `https://tus.example/files/${i}`,
          ),
      ),
    );
    const stored = JSON.parse(await readFile(path, "utf8"));
    assert.equal(Object.keys(stored).length, 40);
    for (let i = 0; i < 40; i++) {
      assert.equal(stored[`key-${i}`], `https://tus.example/files/${i}`);
    }
  });

  test("the constructor checks its arguments", () => {
    assert.throws(() => new FileUrlStorage(""), TypeError);
    assert.throws(
      () => new FileUrlStorage("x.json", { lockTimeoutMs: -1 }),
      RangeError,
    );
    assert.throws(
      () => new FileUrlStorage("x.json", { staleLockMs: NaN }),
      RangeError,
    );
    assert.throws(
      () => new FileUrlStorage("x.json", { staleLockMs: 0 }),
      RangeError,
    );
    assert.equal(new FileUrlStorage().path, ".tus_urls.json");
  });
});
