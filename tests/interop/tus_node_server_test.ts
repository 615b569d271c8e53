/**
 * Interop: uploads, metadata and capabilities against a real @tus/server
 * 2.4.5 with its FileStore, run by Node as a separate process. Stored bytes
 * are checked on disk. Resuming, conflicts and deletion are in
 * `tus_node_server_resume_test.ts`.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { TusCommunicationError, TusUploadFailed } from "../../mod.ts";
import { loggingClient, peerSuite } from "./_peer_suite.ts";
import { randomBytes, sha256Hex } from "./_tus_node_server.ts";

const CHUNK = 256 * 1024;

let files: string;
before(async () => {
  files = await mkdtemp(join(tmpdir(), "tusflow-interop-files-"));
});
after(async () => {
  await rm(files, { recursive: true, force: true });
});

peerSuite("@tus/server 2.4.5 (FileStore): uploads", {}, (peerTest) => {
  peerTest(
    "uploadFile() of 3.5 chunks stores exactly the bytes sent, without the checksum @tus/server does not offer",
    async (server) => {
      const bytes = randomBytes(CHUNK * 3.5);
      const path = join(files, "three-and-a-half.bin");
      await writeFile(path, bytes);
      const { client, log, lines } = loggingClient(server.endpoint, {
        chunkSize: CHUNK,
      });

      const url = await client.uploadFile({ filePath: path });

      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
      assert.deepEqual(lines(), [
        "OPTIONS 204",
        "POST 201",
        "PATCH 204",
        "PATCH 204",
        "PATCH 204",
        "PATCH 204",
      ]);
      const patches = log.filter((entry) => entry.line.startsWith("PATCH"));
      assert.deepEqual(
        patches.map((entry) => entry.offset),
        ["0", "262144", "524288", "786432"],
      );
      for (const patch of patches) {
        // @tus/server does not list the checksum extension: nothing is
        // hashed, no Upload-Checksum is sent.
        assert.equal(patch.headers.get("Upload-Checksum"), null);
      }
      const info = await client.getUploadInfo(url);
      assert.deepEqual(
        [info.offset, info.length, info.complete],
        [bytes.length, bytes.length, true],
      );
    },
  );

  peerTest(
    "uploadFile() of a Blob stores its bytes and reports progress after each chunk",
    async (server) => {
      const bytes = randomBytes(CHUNK * 2 + 17);
      const { client } = loggingClient(server.endpoint, {
        chunkSize: CHUNK,
        checksum: "sha256",
      });
      const seen: number[] = [];

      const url = await client.uploadFile({
        fileStream: new Blob([bytes as Uint8Array<ArrayBuffer>]),
        onProgress: (stats) => {
          // Reports come as bytes leave too: keep those the server confirmed.
          if (stats.uploadedBytes !== seen.at(-1) && stats.uploadedBytes > 0) {
            seen.push(stats.uploadedBytes);
          }
        },
      });

      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
      assert.deepEqual(seen, [CHUNK, CHUNK * 2, CHUNK * 2 + 17]);
    },
  );

  peerTest(
    "uploadFile() with chunkSize Infinity sends the whole content in one PATCH",
    async (server) => {
      const bytes = randomBytes(CHUNK * 3 + 1);
      const { client, lines } = loggingClient(server.endpoint, {
        chunkSize: Infinity,
      });

      const url = await client.uploadFile({ fileStream: bytes });

      assert.deepEqual(lines(), ["OPTIONS 204", "POST 201", "PATCH 204"]);
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
    },
  );

  peerTest(
    "uploadFile() of a ReadableStream of unknown length defers Upload-Length and declares it with the last PATCH",
    async (server) => {
      const bytes = randomBytes(CHUNK * 2 + 1);
      const { client, log, lines } = loggingClient(server.endpoint, {
        chunkSize: CHUNK,
      });

      const url = await client.uploadFile({
        fileStream: pieces(bytes, 50_000),
      });

      assert.deepEqual(lines(), [
        "OPTIONS 204",
        "POST 201",
        "PATCH 204",
        "PATCH 204",
        "PATCH 204",
      ]);
      assert.equal(log[1]?.headers.get("Upload-Defer-Length"), "1");
      assert.equal(log[1]?.headers.get("Upload-Length"), null);
      assert.deepEqual(
        log.slice(2).map((entry) => entry.headers.get("Upload-Length")),
        [null, null, String(bytes.length)],
      );
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
      const info = await client.getUploadInfo(url);
      assert.deepEqual([info.length, info.complete], [bytes.length, true]);
    },
  );

  peerTest(
    "uploadFile() with uploadDataDuringCreation sends the first chunk with the POST",
    async (server) => {
      const bytes = randomBytes(CHUNK * 2 + 3);
      const small = randomBytes(1000);
      const { client, log } = loggingClient(server.endpoint, {
        chunkSize: CHUNK,
        uploadDataDuringCreation: true,
      });

      const url = await client.uploadFile({ fileStream: bytes });
      const smallUrl = await client.uploadFile({ fileStream: small });

      const posts = log.filter((entry) => entry.line.startsWith("POST"));
      assert.deepEqual(
        posts.map((entry) => entry.headers.get("Content-Type")),
        ["application/offset+octet-stream", "application/offset+octet-stream"],
      );
      const patches = log.filter((entry) => entry.line.startsWith("PATCH"));
      assert.deepEqual(
        patches.map((entry) => entry.offset),
        [String(CHUNK), String(CHUNK * 2)],
        "the first chunk rode on the POST; the small upload needed no PATCH",
      );
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
      assert.equal(
        sha256Hex(await server.storedBytes(smallUrl)),
        sha256Hex(small),
      );
    },
  );

  peerTest(
    "uploadFile() with parallelUploads 2 rejects against @tus/server, which lacks concatenation, before sending bytes",
    async (server) => {
      const { client, lines } = loggingClient(server.endpoint, {
        parallelUploads: 2,
      });

      await assert.rejects(
        client.uploadFile({ fileStream: randomBytes(CHUNK) }),
        (error) => {
          assert.ok(error instanceof TusCommunicationError);
          assert.match(error.message, /concatenation/);
          return true;
        },
      );
      assert.ok(
        lines().every((line) => !/^(POST|PATCH) /.test(line)),
        lines().join(", "),
      );
    },
  );

  peerTest(
    "overridePatchMethod fails at once with TusUploadFailed 400: @tus/server ignores X-HTTP-Method-Override",
    async (server) => {
      const { client, log, lines } = loggingClient(server.endpoint, {
        overridePatchMethod: true,
      });

      await assert.rejects(
        client.uploadFile({ fileStream: randomBytes(1000) }),
        (error) => {
          assert.ok(error instanceof TusUploadFailed);
          assert.equal(error.statusCode, 400);
          return true;
        },
      );
      // It lists the header in Access-Control-Allow-Headers, yet takes the
      // POST for a creation without Upload-Length.
      // The 400 is verified with one HEAD: the upload is not complete.
      assert.deepEqual(lines(), [
        "OPTIONS 204",
        "POST 201",
        "POST 400",
        "HEAD 200",
      ]);
      assert.equal(log[2]?.headers.get("X-HTTP-Method-Override"), "PATCH");
    },
  );

  peerTest(
    "uploadFile() of empty content creates a complete upload without a PATCH",
    async (server) => {
      const { client, lines } = loggingClient(server.endpoint);

      const url = await client.uploadFile({ fileStream: new Uint8Array(0) });

      assert.deepEqual(lines(), ["OPTIONS 204", "POST 201"]);
      assert.equal(await server.storedSize(url), 0);
      const info = await client.getUploadInfo(url);
      assert.deepEqual([info.offset, info.length, info.complete], [0, 0, true]);
    },
  );

  peerTest(
    "getMetadata() and getUploadInfo() return the filename and UTF-8 values @tus/server stored",
    async (server) => {
      const path = join(files, "café report.pdf");
      await writeFile(path, randomBytes(1000));
      const { client } = loggingClient(server.endpoint);
      const metadata = {
        title: "Grüße aus Köln — 東京 🎉",
        note: "a,b c=d",
        empty: "",
      };

      const url = await client.uploadFile({ filePath: path, metadata });

      const expected = { ...metadata, filename: "café report.pdf" };
      assert.deepEqual(await client.getMetadata(url), expected);
      const info = await client.getUploadInfo(url);
      assert.deepEqual(info.metadata, expected);
      assert.equal(info.length, 1000);
      assert.equal(info.expiresAt, null);
    },
  );

  peerTest(
    "getServerInfo() lists the extensions @tus/server advertises and no concatenation",
    async (server) => {
      const { client } = loggingClient(server.endpoint);

      const info = await client.getServerInfo();

      assert.equal(info.version, "1.0.0");
      assert.deepEqual(info.versions, ["1.0.0"]);
      assert.deepEqual([...info.extensions].sort(), [
        "creation",
        "creation-defer-length",
        "creation-with-upload",
        "expiration",
        "termination",
      ]);
      assert.ok(!info.extensions.includes("concatenation"));
      assert.deepEqual(info.checksumAlgorithms, []);
      assert.equal(info.maxSize, null);
    },
  );

  peerTest(
    "createUploader() and uploadChunk() advance @tus/server's offset one chunk at a time",
    async (server) => {
      const bytes = randomBytes(CHUNK * 2 + 100);
      const { client } = loggingClient(server.endpoint);
      await using uploader = await client.createUploader({
        fileStream: bytes,
        chunkSize: CHUNK,
      });
      const url = uploader.url!;
      const offsets: number[] = [];

      for (let step = 0; step < 5 && await uploader.uploadChunk(); step++) {
        offsets.push((await client.getUploadInfo(url)).offset);
      }

      assert.deepEqual(offsets, [CHUNK, CHUNK * 2]);
      assert.equal(uploader.isComplete, true);
      assert.equal(uploader.state, "done");
      assert.equal(sha256Hex(await server.storedBytes(url)), sha256Hex(bytes));
    },
  );
});

peerSuite(
  "@tus/server 2.4.5 with maxSize 4096",
  { maxSize: 4096 },
  (peerTest) => {
    peerTest("getServerInfo() reads Tus-Max-Size", async (server) => {
      const { client } = loggingClient(server.endpoint);

      assert.equal((await client.getServerInfo()).maxSize, 4096);
    });

    peerTest(
      "uploadFile() of more than Tus-Max-Size rejects with @tus/server's 413 and does not retry the POST",
      async (server) => {
        const { client, lines } = loggingClient(server.endpoint);

        await assert.rejects(
          client.uploadFile({ fileStream: randomBytes(4097) }),
          (error) => {
            assert.ok(error instanceof TusCommunicationError);
            assert.equal(error.statusCode, 413);
            return true;
          },
        );
        assert.deepEqual(lines(), ["OPTIONS 204", "POST 413"]);
      },
    );
  },
);

/** A stream of unknown length that yields `bytes` in `size`-byte pieces. */
function pieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}
