import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  base64,
  bytes,
  create,
  head,
  OCTET,
  patch,
  send,
  TUS,
} from "./_helpers.ts";

function post(
  url: string,
  headers: Record<string, string>,
  body?: Uint8Array<ArrayBuffer>,
) {
  return send(url, { method: "POST", headers: { ...TUS, ...headers }, body });
}

describe("creation", () => {
  test("creates an upload with its length and metadata", async () => {
    await using server = await startTusServer();
    const metadata = `filename ${base64("résumé.pdf")},empty,blank`;
    const url = await create(server.url, {
      "Upload-Length": "100",
      "Upload-Metadata": metadata,
    });
    const upload = server.uploadOf(url);
    assert.equal(upload?.length, 100);
    assert.equal(upload?.offset, 0);
    assert.deepEqual(upload?.metadata, {
      filename: "résumé.pdf",
      empty: "",
      blank: "",
    });
    assert.equal(upload?.metadataHeader, metadata);
  });

  const invalid: [string, Record<string, string>][] = [
    ["neither length header", {}],
    ["both length headers", {
      "Upload-Length": "1",
      "Upload-Defer-Length": "1",
    }],
    ["a negative length", { "Upload-Length": "-1" }],
    ["a fractional length", { "Upload-Length": "1.5" }],
    ["a length in hex", { "Upload-Length": "0x10" }],
    ["Upload-Defer-Length: 2", { "Upload-Defer-Length": "2" }],
    ["metadata ending with a comma", {
      "Upload-Length": "1",
      "Upload-Metadata": "a aGk=,",
    }],
    ["metadata with an empty pair", {
      "Upload-Length": "1",
      "Upload-Metadata": "a aGk=,,b",
    }],
    ["metadata that is not Base64", {
      "Upload-Length": "1",
      "Upload-Metadata": "a hi!",
    }],
    ["metadata without padding", {
      "Upload-Length": "1",
      "Upload-Metadata": "a aGk",
    }],
    ["metadata with a space in the value", {
      "Upload-Length": "1",
      "Upload-Metadata": "a aGk= aGk=",
    }],
    ["metadata with a repeated key", {
      "Upload-Length": "1",
      "Upload-Metadata": "a aGk=,a",
    }],
    ["empty metadata", { "Upload-Length": "1", "Upload-Metadata": "" }],
    ["an unknown Upload-Concat", {
      "Upload-Length": "1",
      "Upload-Concat": "whole",
    }],
  ];
  for (const [name, headers] of invalid) {
    test(`answers 400 for ${name}`, async () => {
      await using server = await startTusServer();
      const answer = await post(server.url, headers);
      assert.equal(answer.status, 400, answer.text);
      assert.match(answer.text, /^Cannot create upload: /);
      assert.equal(server.uploads().length, 0);
    });
  }

  test("answers 413 past Tus-Max-Size, 201 at it", async () => {
    await using server = await startTusServer({ maxSize: 10 });
    assert.equal(
      (await post(server.url, { "Upload-Length": "11" })).status,
      413,
    );
    await create(server.url, { "Upload-Length": "10" });
  });

  test("answers 405 when creation is disabled", async () => {
    await using server = await startTusServer({ extensions: ["termination"] });
    const answer = await post(server.url, { "Upload-Length": "1" });
    assert.equal(answer.status, 405);
  });
});

describe("creation-with-upload", () => {
  test("stores the data of the POST and answers its offset", async () => {
    await using server = await startTusServer();
    const answer = await post(
      server.url,
      { "Upload-Length": "11", "Content-Type": OCTET },
      bytes("hello"),
    );
    assert.equal(answer.status, 201);
    assert.equal(answer.headers.get("Upload-Offset"), "5");
    const url = answer.headers.get("Location") ?? "";
    assert.deepEqual(server.bytesOf(url), bytes("hello"));
    assert.equal(server.requests.at(-1)?.bodyBytes, 5);
  });

  test("answers 415 for data without the offset Content-Type", async () => {
    await using server = await startTusServer();
    const answer = await post(
      server.url,
      { "Upload-Length": "11", "Content-Type": "text/plain" },
      bytes("hello"),
    );
    assert.equal(answer.status, 415);
    assert.equal(server.uploads().length, 0);
  });

  test("answers 413 for more data than the length and creates nothing", async () => {
    await using server = await startTusServer();
    const answer = await post(
      server.url,
      { "Upload-Length": "3", "Content-Type": OCTET },
      bytes("hello"),
    );
    assert.equal(answer.status, 413);
    assert.equal(server.uploads().length, 0);
  });

  test("ignores the data when the extension is disabled", async () => {
    await using server = await startTusServer({ extensions: ["creation"] });
    const answer = await post(
      server.url,
      { "Upload-Length": "11", "Content-Type": OCTET },
      bytes("hello"),
    );
    assert.equal(answer.status, 201);
    assert.equal(answer.headers.get("Upload-Offset"), null);
    assert.equal(
      server.uploadOf(answer.headers.get("Location") ?? "")?.offset,
      0,
    );
  });
});

describe("creation-defer-length", () => {
  test("HEAD answers Upload-Defer-Length until a PATCH declares the length", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Defer-Length": "1" });
    let answer = await head(url);
    assert.equal(answer.headers.get("Upload-Defer-Length"), "1");
    assert.equal(answer.headers.get("Upload-Length"), null);
    assert.equal((await patch(url, 0, bytes("hello"))).status, 204);
    answer = await patch(url, 5, bytes(" world"), { "Upload-Length": "11" });
    assert.equal(answer.status, 204);
    answer = await head(url);
    assert.equal(answer.headers.get("Upload-Length"), "11");
    assert.equal(answer.headers.get("Upload-Defer-Length"), null);
    assert.equal(server.uploadOf(url)?.complete, true);
  });

  test("refuses to change a declared length and a length below the offset", async () => {
    await using server = await startTusServer();
    const url = await create(server.url, { "Upload-Defer-Length": "1" });
    await patch(url, 0, bytes("hello"));
    assert.equal(
      (await patch(url, 5, bytes(""), { "Upload-Length": "4" })).status,
      400,
    );
    assert.equal(
      (await patch(url, 5, bytes(""), { "Upload-Length": "6" })).status,
      204,
    );
    assert.equal(
      (await patch(url, 5, bytes("!"), { "Upload-Length": "6" })).status,
      204,
    );
    assert.equal(
      (await patch(url, 6, bytes(""), { "Upload-Length": "7" })).status,
      400,
    );
  });

  test("answers 413 when a PATCH would push a deferred upload past Tus-Max-Size", async () => {
    await using server = await startTusServer({ maxSize: 8 });
    const url = await create(server.url, { "Upload-Defer-Length": "1" });
    assert.equal((await patch(url, 0, bytes("hello"))).status, 204);
    assert.equal((await patch(url, 5, bytes("world"))).status, 413);
    assert.equal(
      (await patch(url, 5, bytes(""), { "Upload-Length": "9" })).status,
      413,
    );
    assert.equal(server.uploadOf(url)?.offset, 5);
    assert.equal(server.uploadOf(url)?.length, null);
  });

  test("answers 400 when the extension is disabled", async () => {
    await using server = await startTusServer({ extensions: ["creation"] });
    const answer = await post(server.url, { "Upload-Defer-Length": "1" });
    assert.equal(answer.status, 400);
  });
});

describe("termination", () => {
  test("DELETE answers 204, then the upload answers 410", async () => {
    await using server = await startTusServer();
    const url = await create(server.url);
    const answer = await send(url, { method: "DELETE", headers: TUS });
    assert.equal(answer.status, 204);
    assert.equal((await head(url)).status, 410);
    assert.equal((await patch(url, 0, bytes("x"))).status, 410);
    assert.equal(
      (await send(url, { method: "DELETE", headers: TUS })).status,
      410,
    );
    assert.equal(server.bytesOf(url), null);
    assert.equal(server.uploadOf(url)?.gone, 410);
  });

  test("DELETE answers 405 when termination is disabled", async () => {
    await using server = await startTusServer({ extensions: ["creation"] });
    const url = await create(server.url);
    const answer = await send(url, { method: "DELETE", headers: TUS });
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.get("Allow"), "HEAD, PATCH, OPTIONS");
  });
});

describe("expiration", () => {
  test("sends Upload-Expires on POST, PATCH and HEAD, then answers 410", async () => {
    await using server = await startTusServer({ expiresInMs: 150 });
    const created = await post(server.url, { "Upload-Length": "11" });
    const expires = created.headers.get("Upload-Expires") ?? "";
    assert.match(
      expires,
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    const url = created.headers.get("Location") ?? "";
    const patched = await patch(url, 0, bytes("hello"));
    assert.equal(patched.headers.get("Upload-Expires"), expires);
    assert.equal((await head(url)).headers.get("Upload-Expires"), expires);
    await new Promise((resolve) => setTimeout(resolve, 160));
    assert.equal((await head(url)).status, 410);
    assert.equal((await patch(url, 5, bytes(" world"))).status, 410);
    assert.equal(server.uploadOf(url)?.gone, 410);
  });

  test("a complete upload does not expire", async () => {
    await using server = await startTusServer({ expiresInMs: 50 });
    const url = await create(server.url, { "Upload-Length": "2" });
    const answer = await patch(url, 0, bytes("ok"));
    assert.equal(answer.headers.get("Upload-Expires"), null);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal((await head(url)).status, 200);
  });
});
