import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { TusClient } from "../../mod.ts";
import { serve } from "../../src/runtime/serve.ts";
import { httpDate } from "./_http_date.ts";
import { runs } from "./_property.ts";

// The client reads these headers through its public methods, from a
// loopback server that answers whatever headers the property chose.

/** A server that answers every request with the headers set last. */
async function echoServer() {
  const answer = { status: 200, headers: {} as Record<string, string> };
  const served = await serve(() =>
    new Response(null, {
      status: answer.status,
      headers: { "Tus-Resumable": "1.0.0", ...answer.headers },
    })
  );
  const url = `http://127.0.0.1:${served.port}/files/`;
  return {
    url,
    answer,
    [Symbol.asyncDispose]: () => served.close(),
  };
}

/** Fresh client each time: the server's capabilities may be cached. */
const clientOf = (url: string) =>
  new TusClient(url, { maxRetries: 0, timeout: 10_000 });

/** RFC 9110 token characters, the alphabet of extension and algorithm names. */
const token = fc.string({
  unit: fc.constantFrom(
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
  ),
  minLength: 1,
  maxLength: 12,
});
const ows = fc.constantFrom("", " ", "  ", "\t", " \t ");

/** A `#token` list (RFC 9110 5.6.1): OWS around commas, empty items allowed. */
const tokenList = fc.array(
  fc.tuple(token, ows, ows, fc.boolean()),
  { minLength: 1, maxLength: 8 },
).map((items) => ({
  names: items.map(([name]) => name),
  header: items.map(([name, before, after, empty]) =>
    `${before}${name}${after}${empty ? ", ," : ""}`
  ).join(","),
}));

describe("server capability headers (properties, over loopback)", () => {
  test("Tus-Extension, Tus-Checksum-Algorithm and Tus-Version lists split into their names", async () => {
    await using server = await echoServer();
    await fc.assert(
      fc.asyncProperty(
        tokenList,
        tokenList,
        tokenList,
        async (ext, alg, ver) => {
          server.answer.status = 204;
          server.answer.headers = {
            "Tus-Extension": ext.header,
            "Tus-Checksum-Algorithm": alg.header,
            "Tus-Version": ver.header,
          };
          const info = await clientOf(server.url).getServerInfo();
          assert.deepEqual(info.extensions, ext.names);
          assert.deepEqual(info.checksumAlgorithms, alg.names);
          assert.deepEqual(info.versions, ver.names);
        },
      ),
      runs(100),
    );
  });

  test("Tus-Max-Size is a number only when it is digits", async () => {
    await using server = await echoServer();
    const value = fc.oneof(
      fc.maxSafeNat().map(String),
      fc.string({ maxLength: 10 }).map((s) => s.replace(/[\r\n\0]/g, "")),
      fc.constantFrom("-1", "1.5", "1e3", "0x10", "99999999999999999999"),
    );
    await fc.assert(
      fc.asyncProperty(value, async (text) => {
        server.answer.status = 204;
        server.answer.headers = { "Tus-Max-Size": text };
        const info = await clientOf(server.url).getServerInfo();
        const trimmed = text.trim(); // fetch trims header values
        const expected = /^[0-9]+$/.test(trimmed) &&
            Number.isSafeInteger(Number(trimmed))
          ? Number(trimmed)
          : null;
        assert.equal(info.maxSize, expected, JSON.stringify(text));
      }),
      runs(100),
    );
  });
});

describe("Upload-Expires (properties, over loopback)", () => {
  test("each HTTP-date format reads as that moment", async () => {
    await using server = await echoServer();
    await fc.assert(
      fc.asyncProperty(httpDate, async ({ text, time }) => {
        server.answer.status = 200;
        server.answer.headers = {
          "Upload-Offset": "0",
          "Upload-Expires": text,
        };
        const info = await clientOf(server.url).getUploadInfo(
          `${server.url}x`,
        );
        assert.equal(info.expiresAt?.getTime(), time, text);
      }),
      runs(100),
    );
  });

  test("a value that is not an HTTP-date reads as no expiry", async () => {
    await using server = await echoServer();
    const junk = fc.oneof(
      fc.nat({ max: 3000 }).map(String),
      fc.constantFrom("2020-01-01", "x 2", "Tue 5", "tomorrow"),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (text) => {
        server.answer.status = 200;
        server.answer.headers = {
          "Upload-Offset": "0",
          "Upload-Expires": text,
        };
        const info = await clientOf(server.url).getUploadInfo(
          `${server.url}x`,
        );
        assert.equal(info.expiresAt, null, text);
      }),
      runs(50),
    );
  });

  test("Upload-Offset and Upload-Length of HEAD: digits, offset within length, else an error", async () => {
    await using server = await echoServer();
    const number = fc.oneof(
      fc.nat({ max: 10 ** 12 }).map(String),
      fc.constantFrom("-1", "1.5", "", "x", "1e3", " 7"),
    );
    await fc.assert(
      fc.asyncProperty(number, fc.option(number), async (offset, length) => {
        server.answer.status = 200;
        server.answer.headers = length === null
          ? { "Upload-Offset": offset }
          : { "Upload-Offset": offset, "Upload-Length": length };
        // fetch trims header values
        const o = /^[0-9]+$/.test(offset.trim()) ? Number(offset) : null;
        const l = length !== null && /^[0-9]+$/.test(length.trim())
          ? Number(length)
          : null;
        const info = await clientOf(server.url).getUploadInfo(
          `${server.url}x`,
        ).catch((error: Error) => error);
        if (o === null || (l !== null && o > l)) {
          assert.ok(info instanceof Error, `${offset} / ${length}`);
          assert.match(info.message, /^Cannot /);
        } else {
          assert.ok(!(info instanceof Error), String(info));
          assert.equal(info.offset, o);
          assert.equal(info.length, l);
          assert.equal(info.complete, l !== null && o === l);
        }
      }),
      runs(100),
    );
  });
});
