import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  TusClient,
  TusCommunicationError,
  type UrlStorage,
} from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, requestsOf } from "../_helpers.ts";

/** A storage whose whole content the test can see, whatever the keys are. */
class VisibleStorage implements UrlStorage {
  readonly urls = new Map<string, string>();
  getUrl(key: string): Promise<string | null> {
    return Promise.resolve(this.urls.get(key) ?? null);
  }
  setUrl(key: string, url: string): Promise<void> {
    this.urls.set(key, url);
    return Promise.resolve();
  }
  removeUrl(key: string): Promise<void> {
    this.urls.delete(key);
    return Promise.resolve();
  }
  listUrls(): Promise<Array<{ key: string; url: string }>> {
    return Promise.resolve(
      [...this.urls].map(([key, url]) => ({ key, url })),
    );
  }
  has(url: string): boolean {
    return [...this.urls.values()].includes(url);
  }
}

describe("a stale stored URL", () => {
  for (const status of [404, 410] as const) {
    test(`answering ${status}, then a failed re-creation: the dead URL is no longer stored`, async () => {
      await using server = await startTusServer();
      const bytes = randomBytes(10_000);
      const urlStorage = new VisibleStorage();
      const client = new TusClient(server.url, {
        storeUrl: true,
        urlStorage,
        maxRetries: 0,
        retryDelay: 1,
      });
      const dead = await client.uploadFile({ fileStream: bytes, stopAt: 100 });
      assert.ok(urlStorage.has(dead), "the first upload's URL is stored");

      server.faults.forget(dead, status);
      server.faults.failNext({ status: 500, method: "POST", count: Infinity });
      await assert.rejects(
        client.uploadFile({ fileStream: bytes }),
        TusCommunicationError,
      );
      assert.equal(
        urlStorage.has(dead),
        false,
        `${status} URL still stored after the failed re-creation`,
      );

      // The next attempt creates at once, without asking the dead URL again.
      server.faults.clear();
      const headsBefore = requestsOf(server.requests, "HEAD").length;
      const fresh = await client.uploadFile({ fileStream: bytes });
      assert.notEqual(fresh, dead);
      assert.equal(requestsOf(server.requests, "HEAD").length, headsBefore);
      assert.ok(urlStorage.has(fresh), "the new upload's URL is stored");
      assert.deepEqual(server.bytesOf(fresh), bytes);
    });
  }
});
