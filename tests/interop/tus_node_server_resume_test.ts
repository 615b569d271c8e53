/**
 * Interop: resuming, conflicts, interrupted PATCHes, expiry and deletion
 * against a real @tus/server 2.4.5 with its FileStore, run by Node as a
 * separate process. Stored bytes are checked on disk.
 */
import assert from "node:assert/strict";
import {
  MemoryUrlStorage,
  TusCommunicationError,
  TusUploadFailed,
} from "../../mod.ts";
import {
  loggingClient,
  peerSuite,
  stallFirstPatch,
  waitFor,
} from "./_peer_suite.ts";
import { randomBytes, sha256Hex } from "./_tus_node_server.ts";

const CHUNK = 256 * 1024;
const EXPIRATION_MS = 1_000;

peerSuite("@tus/server 2.4.5 (FileStore): resuming", {}, (peerTest) => {
  peerTest(
    "uploadFile() with stopAt leaves the partial offset, and resumeUpload() completes the same bytes",
    async (server) => {
      const bytes = randomBytes(CHUNK * 3 + 5);
      const stopAt = CHUNK + 1234;
      const { client, lines, log } = loggingClient(server.endpoint, {
        chunkSize: CHUNK,
      });

      const url = await client.uploadFile({ fileStream: bytes, stopAt });

      assert.deepEqual(lines(), [
        "OPTIONS 204",
        "POST 201",
        "PATCH 204",
        "PATCH 204",
      ]);
      const partial = await client.getUploadInfo(url);
      assert.deepEqual(
        [partial.offset, partial.length, partial.complete],
        [stopAt, bytes.length, false],
      );
      assert.equal(await server.storedSize(url), stopAt);

      log.length = 0;
      const resumed = await client.resumeUpload({
        fileStream: bytes,
        uploadUrl: url,
      });

      assert.equal(resumed, url);
      // From the server's offset on, not realigned to chunk boundaries.
      assert.deepEqual(lines(), ["HEAD 200", "PATCH 204", "PATCH 204"]);
      assert.deepEqual(log.slice(1).map((entry) => entry.offset), [
        String(stopAt),
        String(stopAt + CHUNK),
      ]);
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
      assert.equal((await client.getUploadInfo(url)).complete, true);
    },
  );

  peerTest(
    "an aborted PATCH leaves @tus/server the bytes it received, and resumeUpload() continues from there",
    async (server) => {
      const bytes = randomBytes(CHUNK * 2);
      const prefix = 100_000;
      const { client, log, lines } = loggingClient(server.endpoint, {
        chunkSize: Infinity,
        onBeforeRequest: stallFirstPatch(bytes.subarray(0, prefix)),
      });
      const url = await client.uploadFile({ fileStream: bytes, stopAt: 0 });
      const abort = new AbortController();
      const interrupted = client.resumeUpload({
        fileStream: bytes,
        uploadUrl: url,
        signal: abort.signal,
      });
      interrupted.catch(() => {});
      assert.equal(
        await waitFor(() => server.storedSize(url), prefix),
        prefix,
        "@tus/server did not store the first 100 000 bytes",
      );

      abort.abort(new Error("paused by the user"));

      await assert.rejects(interrupted, TusUploadFailed);
      assert.equal((await client.getUploadInfo(url)).offset, prefix);
      log.length = 0;
      await client.resumeUpload({ fileStream: bytes, uploadUrl: url });
      assert.deepEqual(lines(), ["HEAD 200", "PATCH 204"]);
      assert.equal(log[1]?.offset, String(prefix));
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
    },
  );

  peerTest(
    "a PATCH that times out mid-body is followed by a HEAD, and the rest is sent from @tus/server's offset",
    async (server) => {
      const bytes = randomBytes(CHUNK * 2);
      const prefix = 100_000;
      const { client, lines } = loggingClient(server.endpoint, {
        chunkSize: Infinity,
        timeout: 1_000,
        onBeforeRequest: stallFirstPatch(bytes.subarray(0, prefix)),
      });

      const url = await client.uploadFile({ fileStream: bytes });

      // The stalled PATCH got no answer: a HEAD asks where the server
      // stands before anything is re-sent, so no stale PATCH meets a 409.
      assert.deepEqual(lines(), [
        "OPTIONS 204",
        "POST 201",
        "HEAD 200",
        "PATCH 204",
      ]);
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
    },
  );

  peerTest(
    "an Uploader whose offset another uploader moved recovers from @tus/server's 409",
    async (server) => {
      const bytes = randomBytes(CHUNK * 3);
      const { client, lines } = loggingClient(server.endpoint, {
        chunkSize: CHUNK,
      });
      const url = await client.uploadFile({ fileStream: bytes, stopAt: 0 });
      await using stale = await client.createUploader({
        fileStream: bytes,
        uploadUrl: url,
      });
      await using other = await client.createUploader({
        fileStream: bytes,
        uploadUrl: url,
      });
      assert.equal(await other.uploadChunk(), true);
      const start = lines().length;

      // `stale` still believes the offset is 0.
      assert.equal(await stale.upload(), url);

      const sequence = lines().slice(start);
      const head = sequence.indexOf("HEAD 200");
      // @tus/server answers 409 without Upload-Offset (or resets the
      // connection, which the client retries into a 409), then HEAD tells.
      assert.ok(head > 0, sequence.join(", "));
      assert.ok(sequence.slice(0, head).every((line) => line === "PATCH 409"));
      assert.deepEqual(sequence.slice(head), [
        "HEAD 200",
        "PATCH 204",
        "PATCH 204",
      ]);
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
    },
  );

  peerTest(
    "uploadFile() with storeUrl resumes the stored URL from @tus/server's offset, and starts anew once it answers 404",
    async (server) => {
      const bytes = randomBytes(CHUNK * 2);
      const { client, lines, log } = loggingClient(server.endpoint, {
        chunkSize: CHUNK,
        storeUrl: true,
        urlStorage: new MemoryUrlStorage(),
      });
      const first = await client.uploadFile({
        fileStream: bytes,
        stopAt: 1000,
      });
      log.length = 0;

      const resumed = await client.uploadFile({ fileStream: bytes });

      assert.equal(resumed, first);
      assert.deepEqual(lines(), ["HEAD 200", "PATCH 204", "PATCH 204"]);
      assert.equal(log[1]?.offset, "1000");
      assert.equal(
        sha256Hex(await server.storedBytes(first)),
        sha256Hex(bytes),
      );

      await client.deleteUpload(first);
      log.length = 0;
      const fresh = await client.uploadFile({ fileStream: bytes });

      assert.notEqual(fresh, first);
      assert.deepEqual(lines(), [
        "HEAD 404",
        "POST 201",
        "PATCH 204",
        "PATCH 204",
      ]);
      assert.equal(
        sha256Hex(await server.storedBytes(fresh)),
        sha256Hex(bytes),
      );
    },
  );

  peerTest(
    "resumeUpload() of a URL @tus/server does not know rejects with TusCommunicationError 404 and sends no bytes",
    async (server) => {
      const { client, lines } = loggingClient(server.endpoint);
      const unknown =
        new URL("0123456789abcdef0123456789abcdef", server.endpoint)
          .href;

      await assert.rejects(
        client.resumeUpload({
          fileStream: randomBytes(10),
          uploadUrl: unknown,
        }),
        (error) => {
          assert.ok(error instanceof TusCommunicationError);
          assert.ok(!(error instanceof TusUploadFailed), String(error));
          assert.equal(error.statusCode, 404);
          assert.match(
            error.message,
            /HEAD http:\/\/127\.0\.0\.1:\d+\/files\//,
          );
          return true;
        },
      );
      assert.deepEqual(lines(), ["OPTIONS 204", "HEAD 404"]);
    },
  );

  peerTest(
    "resumeUpload() with content of another size rejects before sending bytes",
    async (server) => {
      const { client, lines } = loggingClient(server.endpoint);
      const url = await client.uploadFile({
        fileStream: randomBytes(1000),
        stopAt: 100,
      });

      await assert.rejects(
        client.resumeUpload({ fileStream: randomBytes(999), uploadUrl: url }),
        (error) => {
          assert.ok(error instanceof TusCommunicationError);
          assert.match(error.message, /Upload-Length 1000 differs/);
          return true;
        },
      );
      assert.deepEqual(lines(), [
        "OPTIONS 204",
        "POST 201",
        "PATCH 204",
        "HEAD 200",
      ]);
      assert.equal(await server.storedSize(url), 100);
    },
  );

  peerTest(
    "deleteUpload() removes the upload; getUploadInfo() then rejects with 404 or 410 and a second deleteUpload() resolves",
    async (server) => {
      const { client, lines } = loggingClient(server.endpoint);
      const url = await client.uploadFile({
        fileStream: randomBytes(1000),
        stopAt: 500,
      });

      await client.deleteUpload(url);

      assert.equal(await server.storedSize(url), null);
      await assert.rejects(client.getUploadInfo(url), (error) => {
        assert.ok(error instanceof TusCommunicationError);
        assert.ok(
          error.statusCode === 404 || error.statusCode === 410,
          `status ${error.statusCode}`,
        );
        return true;
      });
      await client.deleteUpload(url);
      assert.deepEqual(lines().slice(-3), [
        "DELETE 204",
        "HEAD 404",
        "DELETE 404",
      ]);
    },
  );
});

peerSuite(
  "@tus/server 2.4.5 with a 1 s expiration period",
  { expirationMs: EXPIRATION_MS },
  (peerTest) => {
    peerTest(
      "resumeUpload() of an upload @tus/server let expire rejects with its 410",
      async (server) => {
        const bytes = randomBytes(2000);
        const { client, lines } = loggingClient(server.endpoint);
        const created = Date.now();
        const url = await client.uploadFile({
          fileStream: bytes,
          stopAt: 1000,
        });
        // @tus/server 2.4.5 sends Upload-Expires on POST and PATCH, not HEAD.
        assert.equal((await client.getUploadInfo(url)).expiresAt, null);
        const expired = created + EXPIRATION_MS + 150 - Date.now();
        await new Promise((resolve) => setTimeout(resolve, expired));

        await assert.rejects(
          client.resumeUpload({ fileStream: bytes, uploadUrl: url }),
          (error) => {
            assert.ok(error instanceof TusCommunicationError);
            assert.equal(error.statusCode, 410);
            return true;
          },
        );
        assert.deepEqual(lines().slice(-1), ["HEAD 410"]);
        // A 410 counts as already deleted.
        await client.deleteUpload(url);
      },
    );
  },
);
