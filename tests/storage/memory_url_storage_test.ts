import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemoryUrlStorage } from "../../src/storage/memory_url_storage.ts";

describe("MemoryUrlStorage", () => {
  test("getUrl() answers null for an unknown fingerprint", async () => {
    assert.equal(
      await new MemoryUrlStorage().getUrl("size:1--sha256:00"),
      null,
    );
  });

  test("setUrl() stores, replaces, and removeUrl() forgets", async () => {
    const storage = new MemoryUrlStorage();
    await storage.setUrl("a", "https://tus.example/files/1");
    await storage.setUrl("b", "https://tus.example/files/2");
    assert.equal(await storage.getUrl("a"), "https://tus.example/files/1");
    await storage.setUrl("a", "https://tus.example/files/3");
    assert.equal(await storage.getUrl("a"), "https://tus.example/files/3");
    await storage.removeUrl("a");
    await storage.removeUrl("a");
    assert.equal(await storage.getUrl("a"), null);
    assert.equal(await storage.getUrl("b"), "https://tus.example/files/2");
  });

  test("keys are exactly the fingerprint, prototype names included", async () => {
    const storage = new MemoryUrlStorage();
    assert.equal(await storage.getUrl("constructor"), null);
    await storage.setUrl("__proto__", "https://tus.example/files/p");
    assert.equal(
      await storage.getUrl("__proto__"),
      "https://tus.example/files/p",
    );
  });

  test("instances do not share URLs", async () => {
    const first = new MemoryUrlStorage();
    await first.setUrl("a", "https://tus.example/files/1");
    assert.equal(await new MemoryUrlStorage().getUrl("a"), null);
  });
});
