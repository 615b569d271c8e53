/**
 * Raw-fetch helpers for the test server's own tests: every body is read or
 * cancelled, so no connection is left open.
 *
 * @module
 */
import assert from "node:assert/strict";

/** The header every tus request but OPTIONS carries. */
export const TUS: Readonly<Record<string, string>> = {
  "Tus-Resumable": "1.0.0",
};

/** Content-Type of PATCH bodies. */
export const OCTET = "application/offset+octet-stream";

/** A response read to the end. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Sends a request and reads its whole answer. */
export async function send(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

/** Creates an upload (status 201 asserted) and returns its URL. */
export async function create(
  endpoint: string,
  headers: Record<string, string> = { "Upload-Length": "11" },
  body?: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const answer = await send(endpoint, {
    method: "POST",
    headers: { ...TUS, ...headers },
    body,
  });
  assert.equal(answer.status, 201, answer.text);
  const location = answer.headers.get("Location");
  assert.ok(location, "201 without Location");
  return location;
}

/** Sends a PATCH of `body` at `offset`. */
export function patch(
  url: string,
  offset: number,
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(url, {
    method: "PATCH",
    headers: {
      ...TUS,
      "Content-Type": OCTET,
      "Upload-Offset": String(offset),
      ...headers,
    },
    body,
    duplex: "half",
  } as RequestInit);
}

/** Sends a HEAD. */
export function head(
  url: string,
  headers: Record<string, string> = TUS,
): Promise<Answer> {
  return send(url, { method: "HEAD", headers });
}

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/** Standard Base64 of a string's UTF-8 bytes. */
export function base64(text: string): string {
  return btoa(String.fromCharCode(...bytes(text)));
}

/** `Upload-Checksum` value for `body`. */
export async function checksumOf(
  algorithm: "sha1" | "sha256" | "sha512",
  body: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const name = { sha1: "SHA-1", sha256: "SHA-256", sha512: "SHA-512" }[
    algorithm
  ];
  const digest = new Uint8Array(
    await crypto.subtle.digest(name, body),
  );
  return `${algorithm} ${btoa(String.fromCharCode(...digest))}`;
}

/** A stream of `total` bytes in pieces of `pieceSize`, each a fresh copy. */
export function byteStream(
  total: number,
  pieceSize = 1 << 20,
): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(pieceSize, total - sent);
      const piece = new Uint8Array(size);
      piece.fill(sent & 0xff);
      controller.enqueue(piece);
      sent += size;
    },
  });
}
