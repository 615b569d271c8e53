import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  bytes,
  checksumOf,
  create,
  head,
  OCTET,
  patch,
  send,
  TUS,
} from "./_helpers.ts";

describe("checksum", () => {
  for (const algorithm of ["sha1", "sha256", "sha512"] as const) {
    test(`accepts a matching ${algorithm} and answers 460 on a mismatch`, async () => {
      await using server = await startTusServer();
      const url = await create(server.url);
      const wrong = await checksumOf(algorithm, bytes("hellO"));
      let answer = await patch(url, 0, bytes("hello"), {
        "Upload-Checksum": wrong,
      });
      assert.equal(answer.status, 460);
      assert.equal(server.uploadOf(url)?.offset, 0);
      assert.equal(server.requests.at(-1)?.bodyBytes, 5);
      const right = await checksumOf(algorithm, bytes("hello"));
      answer = await patch(url, 0, bytes("hello"), {
        "Upload-Checksum": right,
      });
      assert.equal(answer.status, 204);
      assert.deepEqual(server.bytesOf(url), bytes("hello"));
    });
  }

  test("verifies a streamed body over all its pieces", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of ["hel", "lo ", "world"]) {
          controller.enqueue(bytes(piece));
        }
        controller.close();
      },
    });
    const answer = await patch(url, 0, body, {
      "Upload-Checksum": await checksumOf("sha256", bytes("hello world")),
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("Upload-Offset"), "11");
  });

  for (
    const [name, value] of [
      ["an unsupported algorithm", "md5 XUFAKrxLKna5cZ2REBfFkg=="],
      ["an upper-case algorithm", "SHA1 qvTGHdzF6KLavt4PO0gs2a6pQ00="],
      ["a digest that is not Base64", "sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00"],
      ["no digest", "sha1"],
    ]
  ) {
    test(`answers 400 for ${name}`, async () => {
      await using server = await startTusServer();
      const url = await create(server.url);
      const answer = await patch(url, 0, bytes("hello"), {
        "Upload-Checksum": value as string,
      });
      assert.equal(answer.status, 400);
      assert.equal(server.uploadOf(url)?.offset, 0);
    });
  }

  test("answers 400 for an algorithm the server does not offer", async () => {
    await using server = await startTusServer({ checksumAlgorithms: ["sha1"] });
    const url = await create(server.url);
    const answer = await patch(url, 0, bytes("hello"), {
      "Upload-Checksum": await checksumOf("sha256", bytes("hello")),
    });
    assert.equal(answer.status, 400);
  });

  test("ignores Upload-Checksum when the extension is disabled", async () => {
    await using server = await startTusServer({ extensions: ["creation"] });
    const url = await create(server.url);
    const answer = await patch(url, 0, bytes("hello"), {
      "Upload-Checksum": "sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    });
    assert.equal(answer.status, 204);
  });

  test("applies to the data of a creation-with-upload POST", async () => {
    await using server = await startTusServer();
    const answer = await send(server.url, {
      method: "POST",
      headers: {
        ...TUS,
        "Upload-Length": "5",
        "Content-Type": OCTET,
        "Upload-Checksum": await checksumOf("sha1", bytes("other")),
      },
      body: bytes("hello"),
    });
    assert.equal(answer.status, 460);
    assert.equal(answer.headers.get("Location"), null);
  });
});

describe("concatenation", () => {
  async function partial(endpoint: string, text: string): Promise<string> {
    const url = await create(endpoint, {
      "Upload-Concat": "partial",
      "Upload-Length": String(bytes(text).length),
    });
    if (text) assert.equal((await patch(url, 0, bytes(text))).status, 204);
    return url;
  }

  test("assembles a final upload from its parts, in order", async () => {
    await using server = await startTusServer();
    const a = await partial(server.url, "hello");
    const b = await partial(server.url, " world");
    // One absolute, one relative part URL.
    const concat = `final;${a} ${new URL(b).pathname}`;
    const url = await create(server.url, {
      "Upload-Concat": concat,
      "Upload-Metadata": "name YWI=",
    });
    assert.deepEqual(server.bytesOf(url), bytes("hello world"));
    const answer = await head(url);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("Upload-Concat"), concat);
    assert.equal(answer.headers.get("Upload-Length"), "11");
    assert.equal(answer.headers.get("Upload-Offset"), "11");
    assert.equal(answer.headers.get("Upload-Metadata"), "name YWI=");
    assert.equal((await head(a)).headers.get("Upload-Concat"), "partial");
    assert.deepEqual(server.uploadOf(url)?.parts, [a, b]);
    assert.equal(server.uploadOf(url)?.kind, "final");
  });

  test("answers 403 to a PATCH on a final upload and changes nothing", async () => {
    await using server = await startTusServer();
    const a = await partial(server.url, "ab");
    const url = await create(server.url, { "Upload-Concat": `final;${a}` });
    const answer = await patch(url, 2, bytes("c"));
    assert.equal(answer.status, 403);
    assert.deepEqual(server.bytesOf(url), bytes("ab"));
    assert.deepEqual(server.bytesOf(a), bytes("ab"));
  });

  test("keeps a final upload whole after its parts are deleted", async () => {
    await using server = await startTusServer();
    const a = await partial(server.url, "ab");
    const url = await create(server.url, { "Upload-Concat": `final;${a}` });
    await send(a, { method: "DELETE", headers: TUS });
    assert.deepEqual(server.bytesOf(url), bytes("ab"));
  });

  test("refuses unfinished, unknown and non-partial parts, and Upload-Length", async () => {
    await using server = await startTusServer();
    const done = await partial(server.url, "ab");
    const unfinished = await create(server.url, {
      "Upload-Concat": "partial",
      "Upload-Length": "5",
    });
    const single = await create(server.url, { "Upload-Length": "0" });
    const cases: Record<string, string>[] = [
      { "Upload-Concat": `final;${unfinished}` },
      { "Upload-Concat": `final;${done} ${server.url}nothing` },
      { "Upload-Concat": `final;${single}` },
      { "Upload-Concat": `final;${done}`, "Upload-Length": "2" },
      { "Upload-Concat": "final;" },
    ];
    for (const headers of cases) {
      const answer = await send(server.url, {
        method: "POST",
        headers: { ...TUS, ...headers },
      });
      assert.equal(answer.status, 400, JSON.stringify(headers));
    }
  });

  test("answers 413 when the parts add up past Tus-Max-Size", async () => {
    await using server = await startTusServer({ maxSize: 3 });
    const a = await partial(server.url, "ab");
    const b = await partial(server.url, "cd");
    const answer = await send(server.url, {
      method: "POST",
      headers: { ...TUS, "Upload-Concat": `final;${a} ${b}` },
    });
    assert.equal(answer.status, 413);
  });

  test("answers 400 to Upload-Concat when the extension is disabled", async () => {
    await using server = await startTusServer({ extensions: ["creation"] });
    const answer = await send(server.url, {
      method: "POST",
      headers: { ...TUS, "Upload-Concat": "partial", "Upload-Length": "1" },
    });
    assert.equal(answer.status, 400);
  });
});
