import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startDraftServer } from "../../src/testing/mod.ts";
import { INTEROP, request } from "../testing/_draft_helpers.ts";

// What tests/protocol/interim_probe.ts measures across runtimes, held for
// the runtime running this file.
describe("interim responses on this runtime", () => {
  test("node:http's 'information' event sees the 104 with Location, then progress 104s", async () => {
    await using server = await startDraftServer({ progressEvery: 16 });
    const answer = await request(server.url, "POST", {
      ...INTEROP,
      "Upload-Complete": "?1",
    }, "x".repeat(64));
    assert.equal(answer.status, 200);
    assert.equal(answer.interim[0]?.status, 104);
    assert.equal(answer.interim[0]?.headers.location, answer.headers.location);
    assert.ok(answer.interim.slice(1).every((i) => i.headers["upload-offset"]));
  });

  test("fetch shows no interim response but reads the final one intact after them", async () => {
    await using server = await startDraftServer({ progressEvery: 16 });
    const response = await fetch(server.url, {
      method: "POST",
      headers: { ...INTEROP, "Upload-Complete": "?1" },
      body: "x".repeat(64),
    });
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(await response.text()).size, 64);
    assert.equal(server.requests[0]?.interim.length, 2);
  });
});
