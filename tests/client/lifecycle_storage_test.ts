import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Fingerprint, MemoryUrlStorage } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf, sha256 } from "../_helpers.ts";
import { BlockingUrlStorage } from "./_blocking_storage.ts";
import { lifecycleClient } from "./_lifecycle_api.ts";

const KIB = 1024;

describe("URL storage keys carry the endpoint", () => {
  test("the same file sent to two servers is two uploads, each holding every byte", async () => {
    await using serverA = await startTusServer();
    await using serverB = await startTusServer();
    const bytes = randomBytes(24 * KIB);
    const urlStorage = new MemoryUrlStorage();
    const options = { storeUrl: true, urlStorage, chunkSize: 8 * KIB };
    const urlA = await lifecycleClient(serverA.url, options)
      .uploadFile({ fileStream: bytes });
    const urlB = await lifecycleClient(serverB.url, options)
      .uploadFile({ fileStream: bytes });
    assert.notEqual(urlB, urlA, "B's upload is not A's");
    assert.equal(new URL(urlB).origin, new URL(serverB.url).origin);
    assert.equal(sha256(serverB.bytesOf(urlB)), sha256(bytes));
    assert.equal(requestsOf(serverB.requests, "POST").length, 1);
    assert.equal(requestsOf(serverA.requests, "POST").length, 1);
  });

  test("keys are <fingerprint>::<new URL(endpoint).href>", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(10 * KIB);
    const urlStorage = new BlockingUrlStorage([]);
    // Spelled unlike its href: the key uses new URL(endpoint).href.
    const endpoint = server.url.replace("http://", "HTTP://");
    const client = lifecycleClient(endpoint, { storeUrl: true, urlStorage });
    const url = await client.uploadFile({ fileStream: bytes });
    const fingerprint = await new Fingerprint().getFingerprint(bytes);
    const key = `${fingerprint}::${new URL(server.url).href}`;
    assert.deepEqual(
      urlStorage.calls.filter((call) => !call.startsWith("getUrl")),
      [`setUrl ${key}`],
    );
    assert.equal(await urlStorage.inner.getUrl(key), url);
    assert.equal(await urlStorage.inner.getUrl(fingerprint), null);
  });

  test("a URL stored under the bare fingerprint is never used", async () => {
    await using serverA = await startTusServer();
    await using serverB = await startTusServer();
    const bytes = randomBytes(10 * KIB);
    const urlA = await lifecycleClient(serverA.url).uploadFile({
      fileStream: bytes,
    });
    const urlStorage = new MemoryUrlStorage();
    const fingerprint = await new Fingerprint().getFingerprint(bytes);
    await urlStorage.setUrl(fingerprint, urlA); // as the first round stored it
    const urlB = await lifecycleClient(serverB.url, {
      storeUrl: true,
      urlStorage,
    }).uploadFile({ fileStream: bytes });
    assert.equal(new URL(urlB).origin, new URL(serverB.url).origin);
    assert.equal(sha256(serverB.bytesOf(urlB)), sha256(bytes));
    assert.equal(requestsOf(serverA.requests, "HEAD").length, 0);
  });
});

describe("parallel parts and listUrls", () => {
  test("parts are stored under <key>::part-<i>-of-<n>", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(40 * KIB);
    const urlStorage = new BlockingUrlStorage([]);
    await lifecycleClient(server.url, {
      storeUrl: true,
      urlStorage,
      parallelUploads: 2,
      chunkSize: 8 * KIB,
    }).uploadFile({ fileStream: bytes });
    const key = `${await new Fingerprint().getFingerprint(bytes)}::${
      new URL(server.url).href
    }`;
    const stored = urlStorage.calls
      .filter((call) => call.startsWith("setUrl "))
      .map((call) => call.slice("setUrl ".length));
    assert.ok(stored.includes(`${key}::part-1-of-2`), stored.join(", "));
    assert.ok(stored.includes(`${key}::part-2-of-2`), stored.join(", "));
    assert.ok(stored.every((k) => k.startsWith(key)), stored.join(", "));
  });

  test("MemoryUrlStorage lists what it holds", async () => {
    const storage = new MemoryUrlStorage();
    await storage.setUrl("a::http://x/", "http://x/1");
    await storage.setUrl("b::http://x/", "http://x/2");
    await storage.removeUrl("a::http://x/");
    const list = (storage as {
      listUrls?: () => Promise<Array<{ key: string; url: string }>>;
    }).listUrls;
    assert.equal(typeof list, "function", "listUrls is implemented");
    assert.deepEqual(await list?.call(storage), [
      { key: "b::http://x/", url: "http://x/2" },
    ]);
  });
});

describe("removeFingerprintOnSuccess", () => {
  test("a completed upload's stored URL is removed", async () => {
    await using server = await startTusServer();
    const bytes = randomBytes(10 * KIB);
    const urlStorage = new BlockingUrlStorage([]);
    const client = lifecycleClient(server.url, {
      storeUrl: true,
      urlStorage,
      removeFingerprintOnSuccess: true,
    });
    await client.uploadFile({ fileStream: bytes });
    const key = `${await new Fingerprint().getFingerprint(bytes)}::${
      new URL(server.url).href
    }`;
    assert.deepEqual(
      urlStorage.calls.filter((call) => !call.startsWith("getUrl")),
      [`setUrl ${key}`, `removeUrl ${key}`],
    );
    assert.equal(await urlStorage.inner.getUrl(key), null);
  });
});
