import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { TusClient, type TusClientOptions, Uploader } from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import { randomBytes, tempFile } from "../_helpers.ts";
import { clientFor } from "./_client_helpers.ts";

// Every check here must fire before the first request: each test ends by
// asserting that the server saw nothing.

const bytes = randomBytes(32);

/** Options a caller could pass from untyped code. */
function loose(options: Record<string, unknown>): TusClientOptions {
  return options as TusClientOptions;
}

describe("new TusClient()", () => {
  test("new TusClient() rejects a URL that is not absolute with TypeError", async () => {
    await using server = await startTusServer();
    for (const url of ["not a url", "/files/", "", 42, undefined]) {
      assert.throws(
        () => new TusClient(url as string),
        TypeError,
        String(url),
      );
    }
    assert.equal(server.requests.length, 0);
  });

  test("new TusClient() rejects chunkSize 0, -1, NaN and 1.5 with RangeError", async () => {
    await using server = await startTusServer();
    for (const chunkSize of [0, -1, NaN, 1.5, -Infinity]) {
      assert.throws(
        () => clientFor(server, { chunkSize }),
        RangeError,
        String(chunkSize),
      );
    }
    assert.throws(
      () => clientFor(server, loose({ chunkSize: "8" })),
      TypeError,
    );
    assert.equal(server.requests.length, 0);
  });

  test("new TusClient() rejects maxRetries -1 and 1.5 with RangeError", async () => {
    await using server = await startTusServer();
    for (const maxRetries of [-1, 1.5, NaN]) {
      assert.throws(
        () => clientFor(server, { maxRetries }),
        RangeError,
        String(maxRetries),
      );
    }
    assert.equal(server.requests.length, 0);
  });

  test("new TusClient() rejects checksum md5 with RangeError", async () => {
    await using server = await startTusServer();
    assert.throws(
      () => clientFor(server, loose({ checksum: "md5" })),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes("md5"),
    );
    assert.equal(server.requests.length, 0);
  });

  test("new TusClient() rejects metadataEncoding klingon with RangeError", async () => {
    await using server = await startTusServer();
    assert.throws(
      () => clientFor(server, { metadataEncoding: "klingon" }),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes("klingon"),
    );
    assert.equal(server.requests.length, 0);
  });

  test("new TusClient() rejects timeout 0 and retryDelay -1 with RangeError", async () => {
    await using server = await startTusServer();
    assert.throws(() => clientFor(server, { timeout: 0 }), RangeError);
    assert.throws(() => clientFor(server, { retryDelay: -1 }), RangeError);
    assert.throws(() => clientFor(server, { parallelUploads: 0 }), RangeError);
    assert.equal(server.requests.length, 0);
  });

  test("new TusClient() and updateHeaders() reject a non-string header value with TypeError", async () => {
    await using server = await startTusServer();
    for (const value of [1, null, undefined, ["a"], { a: "b" }]) {
      assert.throws(
        () => clientFor(server, loose({ headers: { "X-Bad": value } })),
        TypeError,
        String(value),
      );
    }
    assert.throws(() => clientFor(server, loose({ headers: "x" })), TypeError);
    const client = clientFor(server, { headers: { "X-Good": "yes" } });
    assert.throws(
      () =>
        client.updateHeaders(
          { "X-Bad": 7 } as unknown as Record<string, string>,
        ),
      TypeError,
    );
    assert.deepEqual(client.getHeaders(), { "X-Good": "yes" });
    assert.equal(server.requests.length, 0);
  });
});

describe("TusClient upload methods", () => {
  test("uploadFile(), resumeUpload() and createUploader() want exactly one of filePath and fileStream", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes);
    const client = clientFor(server);
    const uploadUrl = `${server.url}unknown`;
    for (const source of [{}, { filePath: file.path, fileStream: bytes }]) {
      await assert.rejects(client.uploadFile(source), TypeError);
      await assert.rejects(
        client.resumeUpload({ ...source, uploadUrl }),
        TypeError,
      );
      await assert.rejects(client.createUploader(source), TypeError);
    }
    await assert.rejects(client.uploadFile({ filePath: "" }), TypeError);
    assert.equal(server.requests.length, 0);
  });

  test("uploadFile() rejects metadata keys that are empty or hold a space or a comma with TypeError", async () => {
    await using server = await startTusServer();
    const client = clientFor(server);
    for (const key of ["", "a b", "a,b", "tab\tkey"]) {
      await assert.rejects(
        client.uploadFile({ fileStream: bytes, metadata: { [key]: "v" } }),
        TypeError,
        JSON.stringify(key),
      );
    }
    await assert.rejects(
      client.uploadFile({
        fileStream: bytes,
        metadata: { n: 1 } as unknown as Record<string, string>,
      }),
      TypeError,
    );
    await assert.rejects(
      client.createUploader({ fileStream: bytes, metadata: { "a b": "v" } }),
      TypeError,
    );
    assert.equal(server.requests.length, 0);
  });

  test("uploadFile(), resumeUpload() and createUploader() reject a missing file with an error naming the path", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes);
    const missing = join(file.dir, "no-such-file.bin");
    const client = clientFor(server);
    const namesPath = (error: unknown) =>
      error instanceof Error && error.message.includes(missing);
    await assert.rejects(client.uploadFile({ filePath: missing }), namesPath);
    await assert.rejects(
      client.resumeUpload({
        filePath: missing,
        uploadUrl: `${server.url}abc`,
      }),
      namesPath,
    );
    await assert.rejects(
      client.createUploader({ filePath: missing }),
      namesPath,
    );
    await assert.rejects(
      client.uploadFile({ filePath: file.dir }),
      (error: unknown) =>
        error instanceof Error && error.message.includes(file.dir),
    );
    assert.equal(server.requests.length, 0);
  });

  test("uploadFile() rejects stopAt -1 with RangeError and NaN or a string as bad arguments", async () => {
    await using server = await startTusServer();
    const client = clientFor(server);
    await assert.rejects(
      client.uploadFile({ fileStream: bytes, stopAt: -1 }),
      RangeError,
    );
    for (const stopAt of [NaN, "5"]) {
      await assert.rejects(
        client.uploadFile({ fileStream: bytes, stopAt: stopAt as number }),
        (error: unknown) =>
          error instanceof TypeError || error instanceof RangeError,
        String(stopAt),
      );
    }
    assert.equal(server.requests.length, 0);
  });

  test(
    "uploadFile() rejects stopAt NaN with RangeError, as chunkSize NaN",
    async () => {
      await using server = await startTusServer();
      await assert.rejects(
        clientFor(server).uploadFile({ fileStream: bytes, stopAt: NaN }),
        RangeError,
      );
      assert.equal(server.requests.length, 0);
    },
  );

  test("uploadFile() rejects a fileStream of a wrong type with TypeError", async () => {
    await using server = await startTusServer();
    const client = clientFor(server);
    for (const fileStream of ["text", 42, {}, null, [1, 2]]) {
      await assert.rejects(
        client.uploadFile({ fileStream: fileStream as unknown as Uint8Array }),
        TypeError,
        JSON.stringify(fileStream),
      );
    }
    await assert.rejects(
      client.createUploader({ fileStream: "text" as unknown as Uint8Array }),
      TypeError,
    );
    assert.equal(server.requests.length, 0);
  });

  test("createUploader() rejects chunkSize 0 with RangeError", async () => {
    await using server = await startTusServer();
    await assert.rejects(
      clientFor(server).createUploader({ fileStream: bytes, chunkSize: 0 }),
      RangeError,
    );
    assert.equal(server.requests.length, 0);
  });

  test("resumeUpload(), deleteUpload(), getUploadInfo() and getMetadata() reject an upload URL that is not absolute with TypeError", async () => {
    await using server = await startTusServer();
    const client = clientFor(server);
    for (const uploadUrl of ["nope", "/files/abc", ""]) {
      await assert.rejects(
        client.resumeUpload({ fileStream: bytes, uploadUrl }),
        TypeError,
      );
      await assert.rejects(
        client.createUploader({ fileStream: bytes, uploadUrl }),
        TypeError,
      );
      await assert.rejects(client.deleteUpload(uploadUrl), TypeError);
      await assert.rejects(client.getUploadInfo(uploadUrl), TypeError);
      await assert.rejects(client.getMetadata(uploadUrl), TypeError);
    }
    assert.equal(server.requests.length, 0);
  });
});

describe("new Uploader()", () => {
  test("new Uploader() rejects options without url with TypeError", async () => {
    await using server = await startTusServer();
    assert.throws(() => new Uploader({}), TypeError);
    assert.throws(
      () => new Uploader({ fileStream: bytes }),
      (error: unknown) =>
        error instanceof TypeError && error.message.includes("url"),
    );
    assert.throws(
      () => new Uploader({ url: "files/abc", fileStream: bytes }),
      TypeError,
    );
    await assert.rejects(Uploader.open({ fileStream: bytes }), TypeError);
    assert.equal(server.requests.length, 0);
  });

  test("new Uploader() rejects bad options with RangeError or TypeError", async () => {
    await using server = await startTusServer();
    const url = `${server.url}abc`;
    assert.throws(
      () => new Uploader({ url, fileStream: bytes, chunkSize: 0 }),
      RangeError,
    );
    assert.throws(
      () => new Uploader({ url, fileStream: bytes, maxRetries: -1 }),
      RangeError,
    );
    assert.throws(
      () =>
        new Uploader({
          url,
          fileStream: bytes,
          headers: { "X-Bad": 1 } as unknown as Record<string, string>,
        }),
      TypeError,
    );
    assert.equal(server.requests.length, 0);
  });

  test("Uploader.open() rejects a fileStream of a wrong type with TypeError", async () => {
    await using server = await startTusServer();
    await assert.rejects(
      Uploader.open({
        url: `${server.url}abc`,
        fileStream: "text" as unknown as Uint8Array,
      }),
      TypeError,
    );
    assert.equal(server.requests.length, 0);
  });
});
