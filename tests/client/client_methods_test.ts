import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  TusClient,
  TusCommunicationError,
  TusUploadFailed,
} from "../../mod.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  randomBytes,
  requestsOf,
  sequence,
  tempFile,
  timed,
} from "../_helpers.ts";
import {
  clientFor,
  everyKind,
  isCommunicationError,
  serverWith412,
  UUID_V4,
} from "./_client_helpers.ts";

const bytes = randomBytes(40, 7);

describe("getServerInfo()", () => {
  test("getServerInfo() reads version, versions, extensions, maxSize and checksum algorithms", async () => {
    await using server = await startTusServer({ maxSize: 5000 });
    const info = await clientFor(server).getServerInfo();
    assert.deepEqual(info, {
      version: "1.0.0",
      versions: ["1.0.0"],
      extensions: ("creation,creation-with-upload,creation-defer-length," +
        "termination,checksum,expiration,concatenation").split(","),
      maxSize: 5000,
      checksumAlgorithms: ["sha1", "sha256", "sha512"],
    });
    assert.deepEqual(sequence(server.requests), ["OPTIONS 204"]);
  });

  test("getServerInfo() reads absent headers as null and [], and rejects a 403", async () => {
    await using server = await startTusServer({
      extensions: ["creation", "termination"],
    });
    const info = await clientFor(server).getServerInfo();
    assert.deepEqual(info.extensions, ["creation", "termination"]);
    assert.equal(info.maxSize, null);
    assert.deepEqual(info.checksumAlgorithms, []);
    server.faults.failNext({ status: 403, method: "OPTIONS" });
    await assert.rejects(
      clientFor(server).getServerInfo(),
      isCommunicationError(403),
    );
  });
});

describe("getUploadInfo() and getMetadata()", () => {
  test("getUploadInfo() reads offset, length, completeness and UTF-8 metadata", async () => {
    await using server = await startTusServer();
    await using file = await tempFile(bytes, "résumé.bin");
    const client = clientFor(server, { chunkSize: 10 });
    const metadata = { title: "Grüße 名前 🎉", empty: "" };
    const url = await client.uploadFile({
      filePath: file.path,
      metadata,
      stopAt: 10,
    });
    const expected = { ...metadata, filename: "résumé.bin" };
    assert.deepEqual(await client.getUploadInfo(url), {
      offset: 10,
      length: 40,
      complete: false,
      metadata: expected,
      expiresAt: null,
    });
    assert.deepEqual(await client.getMetadata(url), expected);
    await client.resumeUpload({ filePath: file.path, uploadUrl: url });
    const done = await client.getUploadInfo(url);
    assert.equal(done.offset, 40);
    assert.equal(done.complete, true);
    assert.deepEqual(requestsOf(server.requests, "HEAD").length, 4);
  });

  test("getUploadInfo() reads Upload-Expires as a Date when the server expires uploads", async () => {
    await using server = await startTusServer({ expiresInMs: 60_000 });
    const client = clientFor(server, { chunkSize: 10 });
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 20 });
    const { expiresAt } = await client.getUploadInfo(url);
    assert.ok(expiresAt instanceof Date);
    const serverSide = server.uploadOf(url)?.expiresAt?.getTime() ?? NaN;
    // Upload-Expires is an HTTP date: whole seconds.
    assert.ok(Math.abs(expiresAt.getTime() - serverSide) < 1000);
    assert.ok(expiresAt.getTime() > Date.now() + 50_000);
  });

  test("getUploadInfo() reads a deferred length as null, not complete", async () => {
    await using server = await startTusServer();
    const created = await fetch(server.url, {
      method: "POST",
      headers: { "Tus-Resumable": "1.0.0", "Upload-Defer-Length": "1" },
    });
    await created.body?.cancel();
    const url = created.headers.get("Location") ?? "";
    const info = await clientFor(server).getUploadInfo(url);
    assert.equal(
      `${info.offset} ${info.length} ${info.complete}`,
      "0 null false",
    );
  });
});

describe("deleteUpload()", () => {
  test("deleteUpload() terminates; HEAD then fails; deleting again or a 404 upload resolves", async () => {
    await using server = await startTusServer();
    const client = clientFor(server);
    const url = await client.uploadFile({ fileStream: bytes, stopAt: 10 });
    await client.deleteUpload(url);
    await assert.rejects(
      client.getUploadInfo(url),
      (error: unknown) =>
        isCommunicationError(410)(error) || isCommunicationError(404)(error),
    );
    await client.deleteUpload(url);
    const other = await client.uploadFile({ fileStream: bytes });
    server.faults.forget(other, 404);
    await client.deleteUpload(other);
    await client.deleteUpload(`${server.url}never-created`);
    assert.equal(
      sequence(requestsOf(server.requests, "DELETE")).join(", "),
      "DELETE 204, DELETE 410, DELETE 404, DELETE 404",
    );
  });

  test("deleteUpload() retries a 500 like a chunk, then rejects with TusCommunicationError statusCode 500", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { maxRetries: 2 });
    const url = await client.uploadFile({ fileStream: bytes });
    server.faults.failNext({ status: 500, method: "DELETE", count: 3 });
    await assert.rejects(client.deleteUpload(url), isCommunicationError(500));
    assert.equal(requestsOf(server.requests, "DELETE").length, 3);
    assert.equal(server.uploadOf(url)?.gone, null);
  });

  test("deleteUpload() gets through after a 503 and a 423, and never retries a 403", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { maxRetries: 3 });
    const url = await client.uploadFile({ fileStream: bytes });
    server.faults.failNext({ status: 503, method: "DELETE" });
    server.faults.failNext({ status: 423, method: "DELETE" });
    await client.deleteUpload(url);
    assert.equal(
      sequence(requestsOf(server.requests, "DELETE")).join(", "),
      "DELETE 503, DELETE 423, DELETE 204",
    );
    const other = await client.uploadFile({ fileStream: randomBytes(8, 3) });
    server.faults.failNext({ status: 403, method: "DELETE" });
    await assert.rejects(client.deleteUpload(other), isCommunicationError(403));
    assert.equal(requestsOf(server.requests, "DELETE").length, 4);
  });
});

describe("headers", () => {
  test("updateHeaders() applies to the next requests of an upload in progress", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, {
      chunkSize: 10,
      headers: { Authorization: "Bearer one" },
    });
    await client.uploadFile({
      fileStream: bytes,
      onProgress: (stats) => {
        if (stats.chunksCompleted === 1) {
          client.updateHeaders({ Authorization: "Bearer two" });
        }
      },
    });
    assert.deepEqual(
      server.requests.map((r) => r.headers.authorization?.slice(7)),
      ["one", "one", "one", "two", "two", "two"],
    );
  });

  test("getHeaders() returns a copy; updateHeaders() adds and replaces", () => {
    const client = clientFor({ url: "http://127.0.0.1:9/files/" }, {
      headers: { A: "1", B: "2" },
    });
    const copy = client.getHeaders();
    copy.A = "changed";
    copy.C = "new";
    assert.deepEqual(client.getHeaders(), { A: "1", B: "2" });
    client.updateHeaders({ B: "3", D: "4" });
    assert.deepEqual(client.getHeaders(), { A: "1", B: "3", D: "4" });
    assert.notEqual(client.getHeaders(), client.getHeaders());
  });

  test("custom headers go on every request; Tus-Resumable 1.0.0 on all but OPTIONS", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, {
      chunkSize: 20,
      headers: { "X-Custom": "abc", Authorization: "Bearer t" },
    });
    await everyKind(client, bytes);
    assert.equal(
      sequence(server.requests).join(", "),
      "OPTIONS 204, POST 201, PATCH 204, PATCH 204, HEAD 200, DELETE 204",
    );
    for (const { method, headers } of server.requests) {
      assert.equal(headers["x-custom"], "abc", method);
      assert.equal(headers.authorization, "Bearer t", method);
      const version = method === "OPTIONS" ? undefined : "1.0.0";
      assert.equal(headers["tus-resumable"], version, method);
    }
  });
});

describe("request hooks", () => {
  test("onBeforeRequest can replace every request to add a header", async () => {
    await using server = await startTusServer();
    let count = 0;
    const client = clientFor(server, {
      chunkSize: 20,
      onBeforeRequest: (request) => {
        const headers = new Headers(request.headers);
        headers.set("X-Hook", String(++count));
        return new Request(request, { headers });
      },
    });
    const url = await everyKind(client, bytes);
    const hooks = server.requests.map((r) => Number(r.headers["x-hook"]));
    assert.deepEqual(hooks, [1, 2, 3, 4, 5, 6]);
    assert.equal(requestsOf(server.requests, "PATCH")[1]?.status, 204);
    assert.equal(server.uploadOf(url)?.gone, 410);
  });

  test("onBeforeRequest may change the request in place and return nothing", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, {
      chunkSize: 20,
      onBeforeRequest: (request) => {
        request.headers.set("X-In-Place", "yes");
      },
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.deepEqual(server.bytesOf(url), bytes);
    assert.ok(server.requests.every((r) => r.headers["x-in-place"] === "yes"));
  });

  test("onAfterResponse sees every response, errors included", async () => {
    await using server = await startTusServer();
    const seen: string[] = [];
    const client = clientFor(server, {
      chunkSize: 20,
      maxRetries: 1,
      onAfterResponse: (request, response) => {
        seen.push(`${request.method} ${response.status}`);
      },
    });
    server.faults.failNext({ status: 503, method: "PATCH" });
    await everyKind(client, bytes);
    assert.equal(seen.length, server.requests.length);
    assert.deepEqual(seen, sequence(server.requests));
    assert.ok(seen.includes("PATCH 503"));
  });

  test(
    "onAfterResponse may read the body without changing how a 400 is handled",
    async () => {
      await using server = await startTusServer();
      const client = clientFor(server, {
        maxRetries: 2,
        onAfterResponse: async (_request, response) => {
          await response.text();
        },
      });
      server.faults.failNext({ status: 400, method: "PATCH" });
      await assert.rejects(
        client.uploadFile({ fileStream: bytes }),
        (error: unknown) =>
          error instanceof TusUploadFailed && error.statusCode === 400,
      );
      assert.deepEqual(sequence(server.requests), [
        "OPTIONS 204",
        "POST 201",
        "PATCH 400",
        "HEAD 200",
      ]);
    },
  );
});

describe("requestId and overridePatchMethod", () => {
  test("requestId adds a distinct UUID v4 X-Request-ID to each request", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { chunkSize: 10, requestId: true });
    await everyKind(client, bytes);
    const ids = server.requests.map((r) => r.headers["x-request-id"] ?? "");
    assert.equal(ids.length, 8);
    for (const id of ids) assert.match(id, UUID_V4);
    assert.equal(new Set(ids).size, ids.length);
  });

  test("requestId puts the failed request's X-Request-ID in the error message", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, { requestId: true, maxRetries: 0 });
    server.faults.failNext({ status: 500, method: "PATCH" });
    const failed = await client.uploadFile({ fileStream: bytes }).then(
      () => assert.fail("the upload should fail"),
      (error: unknown) => error,
    );
    assert.ok(failed instanceof TusUploadFailed);
    const patch = requestsOf(server.requests, "PATCH")[0];
    assert.ok(failed.message.includes(patch?.headers["x-request-id"] ?? "?"));
    const url = server.uploads()[0]?.url ?? "";
    server.faults.forget(url, 404);
    const headFailure = await client.getUploadInfo(url).catch((e) => e);
    assert.ok(isCommunicationError(404)(headFailure));
    const head = server.requests.at(-1);
    assert.equal(head?.method, "HEAD");
    assert.ok(headFailure.message.includes(head?.headers["x-request-id"]));
  });

  test("overridePatchMethod sends each PATCH as POST with X-HTTP-Method-Override", async () => {
    await using server = await startTusServer();
    const client = clientFor(server, {
      chunkSize: 15,
      overridePatchMethod: true,
    });
    const url = await client.uploadFile({ fileStream: bytes });
    assert.deepEqual(server.bytesOf(url), bytes);
    const sent = server.requests.slice(2);
    assert.equal(
      sequence(server.requests.slice(0, 2)).join(),
      "OPTIONS 204,POST 201",
    );
    assert.equal(sent.length, 3);
    for (const request of sent) {
      assert.equal(request.method, "POST");
      assert.equal(request.effectiveMethod, "PATCH");
      assert.equal(request.headers["x-http-method-override"], "PATCH");
    }
    assert.equal(
      server.requests[1]?.headers["x-http-method-override"],
      undefined,
    );
  });
});

describe("server refusals", () => {
  test("a 412 on creation rejects, naming the client's 1.0.0 and the server's Tus-Version, without retry", async () => {
    await using server = await serverWith412("2.0.0,0.2.2");
    server.tus.faults.failNext({ status: 412, method: "POST" });
    const error = await clientFor(server).uploadFile({ fileStream: bytes })
      .catch((e) => e);
    assert.ok(isCommunicationError(412)(error));
    assert.match(error.message, /1\.0\.0/);
    assert.match(error.message, /2\.0\.0,\s?0\.2\.2/);
    assert.deepEqual(sequence(server.tus.requests), [
      "OPTIONS 204",
      "POST 412",
    ]);
  });

  test("a 201 without Location rejects with TusCommunicationError naming Location, without retry", async () => {
    await using server = await startTusServer();
    server.faults.failNext({ status: 201, method: "POST" });
    await assert.rejects(
      clientFor(server, { maxRetries: 3 }).uploadFile({ fileStream: bytes }),
      (error: unknown) =>
        isCommunicationError(201)(error) &&
        (error as Error).message.includes("Location"),
    );
    assert.deepEqual(sequence(server.requests), ["OPTIONS 204", "POST 201"]);
  });

  test("a 413 past Tus-Max-Size on creation rejects with TusCommunicationError 413", async () => {
    await using server = await startTusServer({ maxSize: 39 });
    await assert.rejects(
      clientFor(server).uploadFile({ fileStream: bytes }),
      isCommunicationError(413),
    );
    assert.deepEqual(sequence(server.requests), ["OPTIONS 204", "POST 413"]);
    assert.equal(server.uploads().length, 0);
  });
});

describe("errors and signals", () => {
  const reason = new Error("stop");
  /** getUploadInfo(), getServerInfo() and deleteUpload(), aborted after 10 ms. */
  async function abortEach(server: { url: string }, url: string) {
    const client = clientFor(server);
    const calls: ((signal: AbortSignal) => Promise<unknown>)[] = [
      (signal) => client.getUploadInfo(url, { signal }),
      (signal) => client.getServerInfo({ signal }),
      (signal) => client.deleteUpload(url, { signal }),
    ];
    const results = [];
    for (const call of calls) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 10);
      results.push(await timed(call(controller.signal)));
    }
    return results;
  }

  test("getUploadInfo(), getServerInfo() and deleteUpload() stop within 100 ms when aborted", async () => {
    await using server = await startTusServer();
    const url = await clientFor(server).uploadFile({ fileStream: bytes });
    server.faults.latency(1_000);
    for (const { ms, error } of await abortEach(server, url)) {
      assert.ok(ms < 100, `${ms} ms`);
      assert.ok(error === reason || (error as Error).cause === reason);
    }
  });

  test(
    "getUploadInfo(), getServerInfo() and deleteUpload() reject an abort with TusCommunicationError",
    async () => {
      await using server = await startTusServer();
      const url = await clientFor(server).uploadFile({ fileStream: bytes });
      server.faults.latency(1_000);
      for (const { error } of await abortEach(server, url)) {
        assert.ok(error instanceof TusCommunicationError);
        assert.equal(error.cause, reason);
      }
    },
  );

  test("error messages give the method and URL without query string, never a header value", async () => {
    await using server = await startTusServer();
    const client = new TusClient(`${server.url}?token=s3cret`, {
      headers: { Authorization: "Bearer hunter2" },
    });
    server.faults.failNext({ status: 500, method: "POST" });
    const created = await client.uploadFile({ fileStream: bytes })
      .catch((e) => e);
    assert.ok(isCommunicationError(500)(created));
    const url = await clientFor(server).uploadFile({ fileStream: bytes });
    server.faults.forget(url, 404);
    const head = await client.getUploadInfo(`${url}?sig=s3cret#frag`)
      .catch((e) => e);
    assert.ok(isCommunicationError(404)(head));
    assert.ok(created.message.includes(`POST ${server.url})`));
    assert.ok(head.message.includes(`HEAD ${url})`));
    for (const message of [created.message, head.message]) {
      assert.doesNotMatch(message, /s3cret|hunter2|frag/);
    }
  });
});
