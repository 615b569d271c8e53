import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { FileUrlStorage } from "../../src/storage/file_url_storage.ts";
import { MemoryUrlStorage } from "../../src/storage/memory_url_storage.ts";
import type { UrlStorage } from "../../src/storage/url_storage.ts";
import { WebStorageUrlStorage } from "../../src/storage/web_storage_url_storage.ts";

/** Web Storage over a Map, in insertion order. */
class MapStorage implements Storage {
  readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
}

const KEY_A = "size:3--sha256:aa::http://127.0.0.1:1080/files/";
const KEY_B = "size:9--sha256:bb::http://127.0.0.1:1080/files/::part-1-of-2";

async function withDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "tusflow-list-urls-"));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The shared behaviour, for each storage. */
async function listsWhatIsStored(storage: UrlStorage): Promise<void> {
  assert.ok(storage.listUrls, "listUrls is implemented");
  assert.deepEqual(await storage.listUrls(), []);
  await storage.setUrl(KEY_A, "http://h/files/a");
  await storage.setUrl(KEY_B, "http://h/files/b");
  await storage.setUrl(KEY_A, "http://h/files/a2");
  assert.deepEqual(await storage.listUrls(), [
    { key: KEY_A, url: "http://h/files/a2" },
    { key: KEY_B, url: "http://h/files/b" },
  ]);
  await storage.removeUrl(KEY_A);
  assert.deepEqual(await storage.listUrls(), [
    { key: KEY_B, url: "http://h/files/b" },
  ]);
}

describe("UrlStorage.listUrls()", () => {
  test("MemoryUrlStorage lists entries in the order stored", async () => {
    await listsWhatIsStored(new MemoryUrlStorage());
  });

  test("FileUrlStorage lists the file's entries; a missing file lists none", async () => {
    await withDir(async (dir) => {
      await listsWhatIsStored(new FileUrlStorage(join(dir, "urls.json")));
      const other = new FileUrlStorage(join(dir, "missing", "urls.json"));
      assert.deepEqual(await other.listUrls(), []);
    });
  });

  test("FileUrlStorage sees what another instance wrote", async () => {
    await withDir(async (dir) => {
      const path = join(dir, "urls.json");
      await writeFile(path, JSON.stringify({ [KEY_A]: "http://h/files/x" }));
      assert.deepEqual(await new FileUrlStorage(path).listUrls(), [
        { key: KEY_A, url: "http://h/files/x" },
      ]);
    });
  });

  test("FileUrlStorage reports a corrupt file by its path", async () => {
    await withDir(async (dir) => {
      const path = join(dir, "urls.json");
      await writeFile(path, "{ not json");
      await assert.rejects(
        new FileUrlStorage(path).listUrls(),
        /Cannot read URL storage .*urls\.json: it is not valid JSON/,
      );
    });
  });

  test("WebStorageUrlStorage lists its own prefix only, without it", async () => {
    const backing = new MapStorage();
    backing.setItem("theme", "dark");
    backing.setItem("other::x", "http://h/files/other");
    await listsWhatIsStored(new WebStorageUrlStorage(backing));
    assert.equal(backing.getItem("theme"), "dark");
    const other = new WebStorageUrlStorage(backing, { prefix: "other::" });
    assert.deepEqual(await other.listUrls(), [
      { key: "x", url: "http://h/files/other" },
    ]);
  });

  test("WebStorageUrlStorage rejects a storage it cannot enumerate", async () => {
    const backing = new MapStorage();
    const partial = {
      getItem: (k: string) => backing.getItem(k),
      setItem: (k: string, v: string) => backing.setItem(k, v),
      removeItem: (k: string) => backing.removeItem(k),
    } as unknown as Storage;
    await assert.rejects(
      new WebStorageUrlStorage(partial).listUrls(),
      /^Error: Cannot list URLs in web storage: TypeError: the storage has no key\(\)/,
    );
  });
});
