import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  interimFetch,
  type InterimResponse,
} from "../../src/runtime/interim_fetch.ts";
import { startDraftServer } from "../../src/testing/mod.ts";

const INTEROP = { "Upload-Draft-Interop-Version": "9" };
const send = interimFetch();

describe("interimFetch()", () => {
  test("is available on Node, Deno and Bun", () => {
    assert.equal(typeof send, "function");
  });

  test("reports the 104 of an optimistic creation before the final response", async () => {
    await using server = await startDraftServer({ progressEvery: 8 });
    const seen: InterimResponse[] = [];
    const response = await send!(
      new Request(server.url, {
        method: "POST",
        headers: { ...INTEROP, "Upload-Complete": "?1" },
        body: "0123456789abcdef",
      }),
      (interim) => seen.push(interim),
    );
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(await response.text()).size, 16);
    assert.equal(seen[0]?.status, 104);
    assert.equal(
      seen[0]?.headers.get("Location"),
      response.headers.get("Location"),
    );
    assert.equal(seen[0]?.headers.get("Upload-Draft-Interop-Version"), "9");
    assert.ok(
      seen.slice(1).every((i) => i.headers.get("Upload-Offset") !== null),
    );
  });

  test("streams a ReadableStream body and answers HEAD and 204 without a body", async () => {
    await using server = await startDraftServer();
    const created = await send!(
      new Request(server.url, {
        method: "POST",
        headers: { ...INTEROP, "Upload-Complete": "?0" },
      }),
      () => {},
    );
    await created.body?.cancel();
    const url = created.headers.get("Location") ?? "";
    const parts = ["ab", "cd", "ef"];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const appended = await send!(
      new Request(url, {
        method: "PATCH",
        headers: {
          ...INTEROP,
          "Content-Type": "application/partial-upload",
          "Upload-Offset": "0",
          "Upload-Complete": "?0",
        },
        body,
        duplex: "half",
      } as RequestInit),
      () => {},
    );
    assert.equal(appended.status, 204);
    assert.equal(appended.body, null);
    const head = await send!(
      new Request(url, { method: "HEAD", headers: INTEROP }),
      () => {},
    );
    assert.equal(head.headers.get("Upload-Offset"), "6");
    assert.equal(
      new TextDecoder().decode(server.bytesOf(url) ?? undefined),
      "abcdef",
    );
  });

  test("an abort rejects with the signal's reason", async () => {
    await using server = await startDraftServer();
    server.faults.latency(1_000);
    const controller = new AbortController();
    const pending = send!(
      new Request(server.url, {
        method: "POST",
        headers: { ...INTEROP, "Upload-Complete": "?0" },
        signal: controller.signal,
      }),
      () => {},
    );
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    server.faults.clear();
  });

  test("a cut connection rejects with a TypeError, as fetch does", async () => {
    await using server = await startDraftServer();
    server.faults.cutNext({ afterBytes: 2, method: "POST" });
    await assert.rejects(
      send!(
        new Request(server.url, {
          method: "POST",
          headers: { ...INTEROP, "Upload-Complete": "?1" },
          body: "abcdef",
        }),
        () => {},
      ),
      TypeError,
    );
  });
});
