import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TusClient } from "../../mod.ts";
import { chunkPrefetcher } from "../../src/input/chunk_prefetch.ts";
import type { ChunkSource } from "../../src/input/chunk_source.ts";
import { openChunkSource } from "../../src/input/open_chunk_source.ts";
import { streamSource } from "../../src/input/stream_source.ts";
import { startTusServer } from "../../src/testing/mod.ts";
import {
  randomBytes,
  requestsOf,
  sha256,
  streamOf,
  tempFile,
} from "../_helpers.ts";

const KIB = 1024;
const CHUNK = 16 * KIB;
const bytes = randomBytes(5 * CHUNK + 123, 7);

/** Takes every chunk in turn, as the machine does, and keeps what it saw. */
async function takeAll(source: ChunkSource, readAhead: boolean) {
  const prefetcher = chunkPrefetcher(source, readAhead);
  const seen: { bytes: Uint8Array; buffer: ArrayBufferLike }[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK) {
    const next = Math.min(CHUNK, bytes.length - offset - CHUNK);
    const chunk = await prefetcher.take(offset, CHUNK, Math.max(0, next), null);
    // While "on the wire" the next chunk is read: into another buffer.
    await new Promise((resolve) => setTimeout(resolve, 2));
    assert.deepEqual(chunk.bytes, bytes.subarray(offset, offset + CHUNK));
    seen.push({ bytes: chunk.bytes, buffer: chunk.bytes.buffer });
  }
  return seen;
}

describe("chunk buffers are reused, never copied twice", () => {
  test("a file is read into two buffers that take turns", async () => {
    await using file = await tempFile(bytes);
    const source = await openChunkSource({ filePath: file.path });
    const seen = await takeAll(source, true);
    await source.close();
    assert.ok(new Set(seen.map((s) => s.buffer)).size <= 2);
  });

  test("after the last chunk no buffer is kept for later: a retry reads into a fresh one", async () => {
    await using file = await tempFile(bytes.subarray(0, 2 * CHUNK));
    const source = await openChunkSource({ filePath: file.path });
    const prefetcher = chunkPrefetcher(source, true);
    const first = await prefetcher.take(0, CHUNK, CHUNK, null);
    const last = await prefetcher.take(CHUNK, CHUNK, 0, null);
    const again = await prefetcher.take(CHUNK, CHUNK, 0, null);
    assert.deepEqual(again.bytes, bytes.subarray(CHUNK, 2 * CHUNK));
    assert.notEqual(again.bytes.buffer, first.bytes.buffer);
    assert.notEqual(again.bytes.buffer, last.bytes.buffer);
    await source.close();
  });

  test("a Blob is read into two buffers that take turns", async () => {
    const source = await openChunkSource({ fileStream: new Blob([bytes]) });
    const seen = await takeAll(source, true);
    await source.close();
    assert.ok(new Set(seen.map((s) => s.buffer)).size <= 2);
  });

  test("a stream of unknown length fills two buffers and hands out views", async () => {
    const source = streamSource(streamOf(bytes, 3001));
    const seen = await takeAll(source, false);
    assert.equal(source.size, bytes.length);
    assert.ok(new Set(seen.map((s) => s.buffer)).size <= 2);
    await source.close();
  });

  test("bytes are handed out as views of the input itself", async () => {
    const source = await openChunkSource({ fileStream: bytes });
    const seen = await takeAll(source, true);
    assert.ok(seen.every((s) => s.buffer === bytes.buffer));
  });

  test("a retry from inside a chunk, and the same chunk again, read the right bytes", async () => {
    for (
      const open of [
        async () => await openChunkSource({ fileStream: new Blob([bytes]) }),
        () => Promise.resolve(streamSource(streamOf(bytes, 1000))),
      ]
    ) {
      await using file = await tempFile(bytes);
      const sources = [
        await openChunkSource({ filePath: file.path }),
        await open(),
      ];
      for (const source of sources) {
        const prefetcher = chunkPrefetcher(source, source.stream !== undefined);
        const expect = async (offset: number, length: number, next: number) => {
          const chunk = await prefetcher.take(offset, length, next, "sha1");
          assert.deepEqual(
            chunk.bytes,
            bytes.subarray(offset, offset + length),
            `at ${offset}`,
          );
          assert.match(chunk.checksum ?? "", /^sha1 /);
        };
        await expect(0, CHUNK, CHUNK);
        await expect(CHUNK, CHUNK, CHUNK); // its successor is being read
        await expect(CHUNK, CHUNK, CHUNK); // a 460: the same bytes again
        await expect(CHUNK + 100, CHUNK, CHUNK); // the server kept 100
        await expect(2 * CHUNK + 100, CHUNK, CHUNK);
        await expect(3 * CHUNK + 100, CHUNK, CHUNK);
        await source.close();
      }
    }
  });
});

describe("bytes stored equal bytes sent while buffers are reused", () => {
  const inputs = {
    "a file path": async () => {
      const file = await tempFile(bytes);
      return { job: { filePath: file.path }, file };
    },
    "a stream of unknown length": () =>
      Promise.resolve({
        job: { fileStream: streamOf(bytes, 5000) },
        file: null,
      }),
    "a Blob": () =>
      Promise.resolve({ job: { fileStream: new Blob([bytes]) }, file: null }),
  };
  for (const [name, open] of Object.entries(inputs)) {
    test(`${name}: slow answers, a cut that keeps part, a 460 and a 409`, async () => {
      await using server = await startTusServer();
      const { job, file } = await open();
      await using _file = file;
      // Each PATCH waits on the server while the next chunk is read.
      server.faults.latency(5, { method: "PATCH" });
      server.faults.failNext({ status: 460, method: "PATCH" });
      const client = new TusClient(server.url, {
        chunkSize: CHUNK,
        checksum: "sha1",
        retryDelay: 1,
        maxRetries: 6,
      });
      const uploader = await client.createUploader(job);
      await uploader.uploadChunk(); // 460, then chunk 0
      // Chunk 1 is cut after 1000 of its bytes, which the server keeps
      // (without a checksum to check them against: it cannot verify them).
      server.faults.cutNextPatch({ afterBytes: 1000, count: 1, keep: true });
      await uploader.uploadChunk();
      server.faults.conflictNext();
      while (!uploader.isComplete) await uploader.uploadChunk();
      const url = uploader.url!;
      await uploader.close();
      assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
      const patches = requestsOf(server.requests, "PATCH");
      assert.ok(patches.some((p) => p.status === 460), "a 460 was answered");
      assert.ok(patches.some((p) => p.status === 409), "a 409 was answered");
    });
  }

  test("a stream's length is declared once known, with the bytes intact", async () => {
    await using server = await startTusServer();
    const client = new TusClient(server.url, {
      chunkSize: CHUNK,
      retryDelay: 1,
    });
    const url = await client.uploadFile({ fileStream: streamOf(bytes, 4096) });
    assert.equal(sha256(server.bytesOf(url)), sha256(bytes));
    const declared = requestsOf(server.requests, "PATCH").filter((p) =>
      p.headers["upload-length"] !== undefined
    );
    assert.equal(declared.length, 1);
    assert.equal(declared[0]!.headers["upload-length"], String(bytes.length));
  });
});
