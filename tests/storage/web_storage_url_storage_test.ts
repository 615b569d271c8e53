import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { WebStorageUrlStorage } from "../../src/storage/web_storage_url_storage.ts";

/** A minimal in-memory implementation of the Web Storage interface. */
class MapStorage implements Storage {
  readonly items = new Map<string, string>();
  failWrites = false;
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
    if (this.failWrites) {
      throw new DOMException(
        "The quota has been exceeded",
        "QuotaExceededError",
      );
    }
    this.items.set(key, String(value));
  }
}

const localStorageOrNull = (() => {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage ?? null;
  } catch {
    return null;
  }
})();

describe("WebStorageUrlStorage", () => {
  test("stores each URL under tusflow::<fingerprint>", async () => {
    const backing = new MapStorage();
    const storage = new WebStorageUrlStorage(backing);
    await storage.setUrl("size:3--sha256:ab", "https://tus.example/files/1");
    assert.deepEqual([...backing.items], [[
      "tusflow::size:3--sha256:ab",
      "https://tus.example/files/1",
    ]]);
    assert.equal(
      await storage.getUrl("size:3--sha256:ab"),
      "https://tus.example/files/1",
    );
  });

  test("getUrl() answers null, setUrl() replaces, removeUrl() forgets", async () => {
    const backing = new MapStorage();
    backing.setItem("unrelated", "kept");
    const storage = new WebStorageUrlStorage(backing);
    assert.equal(await storage.getUrl("a"), null);
    await storage.setUrl("a", "https://tus.example/files/1");
    await storage.setUrl("a", "https://tus.example/files/2");
    assert.equal(await storage.getUrl("a"), "https://tus.example/files/2");
    await storage.removeUrl("a");
    await storage.removeUrl("a");
    assert.equal(await storage.getUrl("a"), null);
    assert.equal(backing.getItem("unrelated"), "kept");
  });

  test("a custom prefix replaces tusflow::", async () => {
    const backing = new MapStorage();
    await new WebStorageUrlStorage(backing, { prefix: "app/" }).setUrl(
      "a",
      "u",
    );
    assert.equal(backing.getItem("app/a"), "u");
  });

  test("setUrl() rejects with the storage's reason when it refuses", async () => {
    const backing = new MapStorage();
    backing.failWrites = true;
    const storage = new WebStorageUrlStorage(backing);
    await assert.rejects(storage.setUrl("a", "u"), (error: Error) => {
      assert.match(
        error.message,
        /^Cannot store URL in web storage: QuotaExceededError/,
      );
      assert.ok(error.cause instanceof DOMException);
      return true;
    });
  });

  test("the constructor rejects an object that is not a Storage", () => {
    assert.throws(
      () => new WebStorageUrlStorage({} as Storage),
      { name: "TypeError", message: /getItem, setItem and removeItem/ },
    );
  });

  test(
    "the constructor without storage throws a TypeError when the runtime has no localStorage",
    { skip: localStorageOrNull !== null },
    () => {
      assert.throws(() => new WebStorageUrlStorage(), {
        name: "TypeError",
        message: /this runtime has no localStorage/,
      });
    },
  );

  test(
    "the default uses the runtime's real localStorage (Deno)",
    { skip: localStorageOrNull === null },
    async () => {
      const fp = `size:1--sha256:${crypto.randomUUID()}`;
      const storage = new WebStorageUrlStorage();
      try {
        await storage.setUrl(fp, "https://tus.example/files/real");
        assert.equal(
          localStorageOrNull!.getItem(`tusflow::${fp}`),
          "https://tus.example/files/real",
        );
        assert.equal(
          await storage.getUrl(fp),
          "https://tus.example/files/real",
        );
        await storage.removeUrl(fp);
        assert.equal(await storage.getUrl(fp), null);
      } finally {
        localStorageOrNull!.removeItem(`tusflow::${fp}`);
      }
    },
  );
});
