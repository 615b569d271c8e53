import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { InspectionEvent } from "xstate";
import { MemoryUrlStorage, TusClient } from "../../mod.ts";
import { stateName } from "../../machines/state_name.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, sha256 } from "../_helpers.ts";

/** The states the parallel machine (the root actor) went through, in order. */
function parentStates(events: InspectionEvent[]): string[] {
  const states: string[] = [];
  for (const event of events) {
    if (event.type !== "@xstate.snapshot") continue;
    if (event.actorRef.sessionId !== event.rootId) continue;
    const value = (event.snapshot as { value?: unknown }).value;
    if (value === undefined) continue;
    const name = stateName(value);
    if (states.at(-1) !== name) states.push(name);
  }
  return states;
}

describe("parallelUploadMachine", () => {
  test("runs probing → recalling → uploadingParts → concatenating → forgettingParts → remembering → done, with one child per part", async () => {
    await using server = await startTusServer();
    const events: InspectionEvent[] = [];
    const client = new TusClient(server.url, {
      parallelUploads: 3,
      chunkSize: 4096,
      storeUrl: true,
      urlStorage: new MemoryUrlStorage(),
      inspect: (event: InspectionEvent) => events.push(event),
    });
    const bytes = randomBytes(20_000);
    const url = await client.uploadFile({ fileStream: bytes });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    assert.deepEqual(parentStates(events), [
      "probing",
      "recalling",
      "uploadingParts",
      "concatenating",
      "forgettingParts",
      "remembering",
      "done",
    ]);
    const parts = new Set(
      events.filter((e) => e.type === "@xstate.actor")
        .map((e) => (e.actorRef as { id?: string }).id ?? "")
        .filter((id) => id.startsWith("part-")),
    );
    assert.deepEqual([...parts].sort(), ["part-0", "part-1", "part-2"]);
  });

  test("a remembered, complete final upload goes probing → recalling → opening → done without a part", async () => {
    await using server = await startTusServer();
    const urlStorage = new MemoryUrlStorage();
    const bytes = randomBytes(9000);
    const options = { parallelUploads: 2, storeUrl: true, urlStorage };
    const url = await new TusClient(server.url, options).uploadFile({
      fileStream: bytes,
    });
    const events: InspectionEvent[] = [];
    const again = await new TusClient(server.url, {
      ...options,
      inspect: (event: InspectionEvent) => events.push(event),
    }).uploadFile({ fileStream: bytes });
    assert.equal(again, url);
    assert.deepEqual(parentStates(events), [
      "probing",
      "recalling",
      "opening",
      "done",
    ]);
  });
});
