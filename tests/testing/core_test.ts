import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import { bytes, create, head, OCTET, patch, send, TUS } from "./_helpers.ts";

describe("OPTIONS", () => {
  test("answers 204 with version, extensions, max size and algorithms", async () => {
    await using server = await startTusServer({ maxSize: 1000 });
    const answer = await send(server.url, { method: "OPTIONS" });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("Tus-Version"), "1.0.0");
    assert.equal(answer.headers.get("Tus-Resumable"), "1.0.0");
    assert.equal(
      answer.headers.get("Tus-Extension"),
      "creation,creation-with-upload,creation-defer-length,termination,checksum,expiration,concatenation",
    );
    assert.equal(answer.headers.get("Tus-Max-Size"), "1000");
    assert.equal(
      answer.headers.get("Tus-Checksum-Algorithm"),
      "sha1,sha256,sha512",
    );
  });

  test("advertises only the configured extensions and omits empty headers", async () => {
    await using server = await startTusServer({ extensions: [] });
    const answer = await send(server.url, { method: "OPTIONS" });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("Tus-Extension"), null);
    assert.equal(answer.headers.get("Tus-Max-Size"), null);
    assert.equal(answer.headers.get("Tus-Checksum-Algorithm"), null);
  });

  test("ignores a wrong Tus-Resumable and answers a CORS preflight", async () => {
    await using server = await startTusServer();
    const answer = await send(server.url, {
      method: "OPTIONS",
      headers: {
        "Tus-Resumable": "0.2.2",
        Origin: "http://example.test",
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "upload-offset, tus-resumable",
      },
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("Access-Control-Allow-Origin"), "*");
    assert.match(
      answer.headers.get("Access-Control-Allow-Methods") ?? "",
      /PATCH/,
    );
    assert.equal(
      answer.headers.get("Access-Control-Allow-Headers"),
      "upload-offset, tus-resumable",
    );
  });
});

describe("Tus-Resumable", () => {
  for (const value of [null, "0.2.2", "1.0"]) {
    test(`${value ?? "a missing header"} gets 412 with Tus-Version on every method`, async () => {
      await using server = await startTusServer();
      const url = await create(server.url);
      const headers: Record<string, string> = value === null
        ? {}
        : { "Tus-Resumable": value };
      for (
        const [method, target] of [
          ["POST", server.url],
          ["HEAD", url],
          ["PATCH", url],
          ["DELETE", url],
        ] as const
      ) {
        const answer = await send(target, {
          method,
          headers: { ...headers, "Upload-Length": "1", "Upload-Offset": "0" },
        });
        assert.equal(answer.status, 412, method);
        assert.equal(answer.headers.get("Tus-Version"), "1.0.0");
      }
      assert.equal(server.uploads().length, 1, "nothing was created");
    });
  }
});

describe("HEAD", () => {
  test("answers offset, length, metadata as received and no-store", async () => {
    await using server = await startTusServer();
    const metadata = "name aGk=,flag";
    const url = await create(server.url, {
      "Upload-Length": "11",
      "Upload-Metadata": metadata,
    });
    const answer = await head(url);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("Upload-Offset"), "0");
    assert.equal(answer.headers.get("Upload-Length"), "11");
    assert.equal(answer.headers.get("Upload-Defer-Length"), null);
    assert.equal(answer.headers.get("Upload-Metadata"), metadata);
    assert.equal(answer.headers.get("Cache-Control"), "no-store");
    assert.equal(answer.headers.get("Upload-Expires"), null);
  });

  test("answers 404 without Upload-Offset for an unknown upload", async () => {
    await using server = await startTusServer();
    const answer = await head(`${server.url}0123456789abcdef`);
    assert.equal(answer.status, 404);
    assert.equal(answer.headers.get("Upload-Offset"), null);
  });
});

describe("PATCH", () => {
  test("stores the bytes and answers 204 with the new offset", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    let answer = await patch(url, 0, bytes("hello"));
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("Upload-Offset"), "5");
    answer = await patch(url, 5, bytes(" world"));
    assert.equal(answer.headers.get("Upload-Offset"), "11");
    assert.deepEqual(server.bytesOf(url), bytes("hello world"));
    assert.equal(server.uploadOf(url)?.complete, true);
  });

  test("answers 409 on an offset mismatch and stores nothing", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    await patch(url, 0, bytes("hello"));
    const answer = await patch(url, 3, bytes("lo world"));
    assert.equal(answer.status, 409);
    assert.equal(server.uploadOf(url)?.offset, 5);
    assert.deepEqual(server.bytesOf(url), bytes("hello"));
  });

  test("answers 415 for a wrong Content-Type", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    const answer = await patch(url, 0, bytes("hello"), {
      "Content-Type": "application/octet-stream",
    });
    assert.equal(answer.status, 415);
    assert.equal(server.uploadOf(url)?.offset, 0);
  });

  for (
    const offset of [
      null,
      "-1",
      "1.0",
      "+1",
      "0x1",
      "1e3",
      "",
      "99999999999999999999",
    ]
  ) {
    test(`answers 400 for Upload-Offset ${JSON.stringify(offset)}`, async () => {
      await using server = await startTusServer();
      const url = await create(server.url);
      const headers: Record<string, string> = { ...TUS, "Content-Type": OCTET };
      if (offset !== null) headers["Upload-Offset"] = offset;
      const answer = await send(url, {
        method: "PATCH",
        headers,
        body: bytes("x"),
      });
      assert.equal(answer.status, 400);
      assert.equal(server.uploadOf(url)?.offset, 0);
    });
  }

  test("answers 404 for an unknown upload", async () => {
    await using server = await startTusServer();
    const answer = await patch(`${server.url}abc`, 0, bytes("x"));
    assert.equal(answer.status, 404);
  });

  test("answers 413 for a body longer than the bytes left, storing none of it", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "4" });
    const answer = await patch(url, 0, bytes("hello"));
    assert.equal(answer.status, 413);
    assert.equal(server.uploadOf(url)?.offset, 0);
  });

  test("refuses a streamed body (no Content-Length) past the length and takes back its bytes", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Length": "4" });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes("he"));
        controller.enqueue(bytes("llo"));
        controller.close();
      },
    });
    const answer = await patch(url, 0, body);
    assert.equal(answer.status, 413);
    assert.equal(server.uploadOf(url)?.offset, 0);
    assert.deepEqual(server.bytesOf(url), new Uint8Array());
  });

  test("is handled for a POST with X-HTTP-Method-Override: PATCH", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    const answer = await send(url, {
      method: "POST",
      headers: {
        ...TUS,
        "X-HTTP-Method-Override": "PATCH",
        "Content-Type": OCTET,
        "Upload-Offset": "0",
      },
      body: bytes("hello"),
    });
    assert.equal(answer.status, 204);
    assert.equal(answer.headers.get("Upload-Offset"), "5");
    const entry = server.requests.at(-1);
    assert.equal(entry?.method, "POST");
    assert.equal(entry?.effectiveMethod, "PATCH");
  });
});

describe("routing and CORS", () => {
  test("answers 404 outside the base path and 405 for other methods", async () => {
    await using server = await startTusServer({ basePath: "/up" });
    assert.ok(server.url.endsWith("/up/"));
    assert.equal(
      (await send(server.url.replace("/up/", "/x/"), { headers: TUS })).status,
      404,
    );
    const get = await send(server.url, { headers: TUS });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("Allow"), "POST, OPTIONS");
    // The endpoint without its trailing slash creates too.
    await create(server.url.slice(0, -1));
  });

  test("exposes the tus headers to browsers on every answer", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    for (const answer of [await head(url), await patch(url, 5, bytes("x"))]) {
      assert.equal(answer.headers.get("Access-Control-Allow-Origin"), "*");
      const exposed = answer.headers.get("Access-Control-Expose-Headers") ?? "";
      for (
        const name of [
          "Upload-Offset",
          "Location",
          "Upload-Expires",
          "Tus-Version",
        ]
      ) {
        assert.match(exposed, new RegExp(name));
      }
    }
  });

  test("answers with an absolute Location on the request's origin", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    assert.match(url, new RegExp(`^${server.url}[0-9a-f]{32}$`));
  });
});

describe("request log", () => {
  test("logs every request, complete when the answer arrives", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, {
      "Upload-Length": "5",
      "X-Request-ID": "req-1",
    });
    await patch(url, 0, bytes("hello"), {
      "Upload-Checksum": "sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00=",
    });
    await send(server.url, { method: "OPTIONS" });
    assert.deepEqual(
      server.requests.map((e) =>
        `${e.method} ${e.path} ${e.status} ${e.bodyBytes}`
      ),
      [
        `POST /files/ 201 0`,
        `PATCH ${new URL(url).pathname} 204 5`,
        `OPTIONS /files/ 204 0`,
      ],
    );
    const [post, put] = server.requests;
    assert.equal(post?.headers["x-request-id"], "req-1");
    assert.equal(post?.headers["upload-length"], "5");
    assert.equal(post?.responseHeaders["location"], url);
    assert.equal(put?.headers["content-type"], OCTET);
    assert.equal(put?.headers["content-length"], "5");
    assert.equal(
      put?.headers["upload-checksum"],
      "sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00=",
    );
    assert.ok(Object.isFrozen(put));
  });
});
