import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { createTusApp, type TusApp } from "../../src/testing/mod.ts";
import { runs } from "./_property.ts";

// Random request sequences against the test server (through app.request,
// no socket). Each upload has the content a correct client would send. A
// request that breaks a rule carries damaged bytes, so that accepting it
// would store something that is not a prefix of that content. After every
// request: the status is one the spec allows for that method, never a 5xx;
// every live upload holds a prefix of its content; and where the answer is
// certain (a valid PATCH at the right offset, a stale offset, a missing
// Tus-Resumable…) it is exactly that answer.

const OCTET = "application/offset+octet-stream";
const ALLOWED: Record<string, readonly number[]> = {
  POST: [201, 400, 412, 413, 415, 460],
  PATCH: [204, 400, 403, 404, 409, 410, 412, 413, 415, 460],
  HEAD: [200, 404, 410, 412],
  DELETE: [204, 404, 410, 412],
  OPTIONS: [204],
};
const DIGESTS = { sha1, sha256, sha512 } as const;
type Algorithm = keyof typeof DIGESTS;

interface Upload {
  url: string;
  /** What a correct client sends, in full. */
  content: Uint8Array;
  deferred: boolean;
  kind: "single" | "partial" | "final";
}

const damaged = (bytes: Uint8Array) => bytes.map((byte) => byte ^ 0x5a);
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const checksum = (algorithm: Algorithm, bytes: Uint8Array) =>
  `${algorithm} ${b64(DIGESTS[algorithm](bytes))}`;

/** A flaw a request may carry; `null`: none, the request is valid. */
const flaw = <T extends string>(...kinds: T[]) =>
  fc.option(fc.constantFrom(...kinds), { freq: 3 });

const createOp = fc.record({
  op: fc.constant("create" as const),
  size: fc.nat({ max: 48 }),
  deferred: fc.boolean(),
  partial: fc.boolean(),
  withData: fc.nat({ max: 56 }),
  algorithm: fc.option(fc.constantFrom<Algorithm>("sha1", "sha256", "sha512")),
  seed: fc.nat(255),
  flaw: flaw(
    "no-tus",
    "bad-length",
    "bad-metadata",
    "bad-checksum",
    "wrong-type",
    "too-long",
  ),
});
const patchOp = fc.record({
  op: fc.constant("patch" as const),
  target: fc.nat(),
  length: fc.nat({ max: 56 }),
  algorithm: fc.option(fc.constantFrom<Algorithm>("sha1", "sha256", "sha512")),
  declare: fc.boolean(),
  override: fc.boolean(),
  contentLength: fc.boolean(),
  flaw: flaw(
    "no-tus",
    "stale-offset",
    "ahead-offset",
    "bad-offset",
    "wrong-type",
    "bad-checksum",
    "unknown-algorithm",
    "too-long",
    "short-declare",
  ),
});
const otherOp = fc.record({
  op: fc.constantFrom("head" as const, "delete" as const, "options" as const),
  target: fc.nat(),
  noTus: fc.boolean(),
});
const finalOp = fc.record({
  op: fc.constant("final" as const),
  targets: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
});
const operations = fc.tuple(
  createOp,
  fc.array(
    fc.oneof(
      { arbitrary: createOp, weight: 2 },
      { arbitrary: patchOp, weight: 6 },
      { arbitrary: otherOp, weight: 1 },
      { arbitrary: finalOp, weight: 1 },
    ),
    { maxLength: 30, size: "medium" },
  ),
).map(([first, rest]) => [first, ...rest]);
type Operation = typeof operations extends fc.Arbitrary<(infer T)[]> ? T
  : never;

/** Content of `size` bytes, different for every upload of a run. */
function contentOf(size: number, seed: number): Uint8Array {
  return Uint8Array.from(
    { length: size },
    (_, i) => (seed * 31 + i * 7) & 0xff,
  );
}

async function send(
  tus: TusApp,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Uint8Array,
  streamed = false,
): Promise<Response> {
  const response = await tus.app.request(url, {
    method,
    headers,
    body: streamed && body ? piecesOf(body) : body as BodyInit | undefined,
    duplex: "half",
  } as RequestInit);
  await response.body?.cancel();
  return response;
}

/** `bytes` as a stream of 3-byte pieces, as a slow connection delivers it. */
function piecesOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 3));
      at += 3;
    },
  });
}

const liveUploads = (tus: TusApp) =>
  tus.store.list().filter((upload) => upload.gone === null).length;

/** Checks what the server holds of every upload against its content. */
function checkHeld(tus: TusApp, uploads: readonly Upload[]): void {
  for (const upload of uploads) {
    const state = tus.uploadOf(upload.url);
    assert.ok(state, `${upload.url} is known`);
    if (state.gone !== null) continue;
    const held = tus.bytesOf(upload.url) ?? new Uint8Array();
    assert.equal(held.length, state.offset, "offset and bytes agree");
    assert.deepEqual(
      held,
      upload.content.subarray(0, held.length),
      `${upload.url} holds bytes that are not a prefix of its content`,
    );
    if (state.length !== null && !upload.deferred) {
      assert.equal(state.length, upload.content.length);
    }
    assert.ok(state.offset <= upload.content.length);
  }
}

async function create(
  tus: TusApp,
  uploads: Upload[],
  op: Extract<Operation, { op: "create" }>,
): Promise<void> {
  const content = contentOf(op.size, op.seed + uploads.length);
  const headers: Record<string, string> = { "Tus-Resumable": "1.0.0" };
  if (op.deferred) headers["Upload-Defer-Length"] = "1";
  else headers["Upload-Length"] = String(op.size);
  if (op.partial) headers["Upload-Concat"] = "partial";
  headers["Upload-Metadata"] = `name ${b64(new Uint8Array([op.seed]))}`;
  let data = op.withData > 0
    ? content.slice(0, Math.min(op.withData, op.size))
    : undefined;
  if (data) {
    headers["Content-Type"] = OCTET;
    if (op.algorithm) headers["Upload-Checksum"] = checksum(op.algorithm, data);
  }
  // Without a socket no Content-Length is added: say it, as fetch would.
  const withLength = (bytes: Uint8Array | undefined) => {
    if (bytes) headers["Content-Length"] = String(bytes.length);
    return bytes;
  };
  switch (op.flaw) {
    case "no-tus":
      delete headers["Tus-Resumable"];
      break;
    case "bad-length":
      headers["Upload-Length"] = `-${op.size}`;
      delete headers["Upload-Defer-Length"];
      break;
    case "bad-metadata":
      headers["Upload-Metadata"] = "name !!,name";
      break;
    case "bad-checksum":
      data = damaged(data?.length ? data : new Uint8Array([1]));
      headers["Content-Type"] = OCTET;
      headers["Upload-Checksum"] = checksum(op.algorithm ?? "sha1", content);
      break;
    case "wrong-type":
      data = damaged(data?.length ? data : new Uint8Array([1]));
      headers["Content-Type"] = "text/plain";
      break;
    case "too-long":
      if (op.deferred) break; // no length to pass
      data = new Uint8Array([...content, ...damaged(new Uint8Array(3))]);
      headers["Content-Type"] = OCTET;
      delete headers["Upload-Checksum"];
      break;
  }
  const live = liveUploads(tus);
  const answer = await send(tus, "/files/", "POST", headers, withLength(data));
  assert.ok(ALLOWED.POST!.includes(answer.status), `POST ${answer.status}`);
  const refused = op.flaw !== null && !(op.flaw === "too-long" && op.deferred);
  if (refused) {
    assert.notEqual(answer.status, 201, `POST with ${op.flaw} accepted`);
    assert.equal(liveUploads(tus), live, "a refused POST left an upload");
    return;
  }
  assert.equal(answer.status, 201, "a valid POST is created");
  const url = answer.headers.get("Location") ?? "";
  uploads.push({
    url,
    content,
    deferred: op.deferred,
    kind: op.partial ? "partial" : "single",
  });
  const offset = tus.uploadOf(url)?.offset;
  assert.equal(offset, data?.length ?? 0, "creation-with-upload stored all");
  if (data) assert.equal(answer.headers.get("Upload-Offset"), String(offset));
}

async function patch(
  tus: TusApp,
  upload: Upload,
  op: Extract<Operation, { op: "patch" }>,
): Promise<void> {
  const state = tus.uploadOf(upload.url);
  const at = state?.offset ?? 0;
  const size = upload.content.length;
  let claimed = at;
  if (op.flaw === "stale-offset") claimed = at - 1;
  if (op.flaw === "ahead-offset") claimed = at + 1;
  const start = Math.max(0, Math.min(claimed, size));
  let body = upload.content.slice(start, start + op.length);
  const headers: Record<string, string> = {
    "Tus-Resumable": "1.0.0",
    "Content-Type": OCTET,
    "Upload-Offset": String(claimed),
  };
  if (op.algorithm) headers["Upload-Checksum"] = checksum(op.algorithm, body);
  if (op.declare && upload.deferred) headers["Upload-Length"] = String(size);
  let valid = op.flaw === null;
  switch (op.flaw) {
    case "no-tus":
      delete headers["Tus-Resumable"];
      break;
    case "bad-offset":
      headers["Upload-Offset"] = `${at}.0`;
      break;
    case "wrong-type":
      headers["Content-Type"] = "application/octet-stream";
      break;
    case "bad-checksum":
      headers["Upload-Checksum"] = checksum(op.algorithm ?? "sha256", body);
      if (body.length === 0) valid = true;
      break;
    case "unknown-algorithm":
      headers["Upload-Checksum"] = `md5 ${b64(new Uint8Array(16))}`;
      break;
    case "too-long":
      if (upload.deferred && !op.declare) valid = true; // no length to pass
      else body = new Uint8Array([...upload.content.slice(start), 1, 2, 3]);
      break;
    case "short-declare":
      if (!upload.deferred || state?.length !== null || at === 0) valid = true;
      else headers["Upload-Length"] = String(at - 1);
      break;
  }
  if (op.flaw === "stale-offset" && at === 0) {
    headers["Upload-Offset"] = "-1"; // still broken: not an integer
  }
  if (!valid || op.flaw === "bad-checksum") body = damaged(body);
  if (op.contentLength) headers["Content-Length"] = String(body.length);
  const method = op.override ? "POST" : "PATCH";
  if (op.override) headers["X-HTTP-Method-Override"] = "PATCH";
  // Without Content-Length the body arrives in pieces, stored as they come.
  const answer = await send(
    tus,
    upload.url,
    method,
    headers,
    body,
    !op.contentLength,
  );
  assert.ok(ALLOWED.PATCH!.includes(answer.status), `PATCH ${answer.status}`);
  const live = state !== null && state.gone === null;
  const after = tus.uploadOf(upload.url);
  if (!valid) {
    assert.notEqual(answer.status, 204, `PATCH with ${op.flaw} accepted`);
    assert.equal(after?.offset, state?.offset, "a refused PATCH stored bytes");
    if (live && op.flaw === "no-tus") assert.equal(answer.status, 412);
    const stale = op.flaw === "stale-offset" && at > 0;
    if (live && stale && upload.kind !== "final") {
      assert.equal(answer.status, 409);
    }
    return;
  }
  if (!live) {
    assert.equal(answer.status, state?.gone ?? 404);
  } else if (upload.kind === "final") {
    assert.equal(answer.status, 403);
  } else {
    assert.equal(answer.status, 204, "a valid PATCH is stored");
    assert.equal(answer.headers.get("Upload-Offset"), String(at + body.length));
  }
}

async function other(
  tus: TusApp,
  upload: Upload | undefined,
  op: Extract<Operation, { op: "head" | "delete" | "options" }>,
): Promise<void> {
  const method = op.op.toUpperCase();
  const headers: Record<string, string> = op.noTus
    ? {}
    : { "Tus-Resumable": "1.0.0" };
  const url = op.op === "options" || !upload ? "/files/" : upload.url;
  const before = upload ? tus.uploadOf(upload.url) : null;
  const answer = await send(tus, url, method, headers);
  if (url === "/files/" && method !== "OPTIONS") {
    assert.equal(answer.status, op.noTus ? 412 : 405);
    return;
  }
  assert.ok(
    ALLOWED[method]!.includes(answer.status),
    `${method} ${answer.status}`,
  );
  if (method === "OPTIONS" || !before) return;
  if (op.noTus) return assert.equal(answer.status, 412);
  if (before.gone !== null) return assert.equal(answer.status, before.gone);
  if (method === "HEAD") {
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("Upload-Offset"), String(before.offset));
  } else {
    assert.equal(answer.status, 204);
    assert.equal(tus.uploadOf(url)?.gone, 410);
  }
}

async function final(
  tus: TusApp,
  uploads: Upload[],
  op: Extract<Operation, { op: "final" }>,
): Promise<void> {
  const parts = op.targets.map((i) => uploads[i % uploads.length]!);
  const ready = parts.every((part) => {
    const state = tus.uploadOf(part.url);
    return part.kind === "partial" && state?.gone === null && state.complete;
  });
  const answer = await send(tus, "/files/", "POST", {
    "Tus-Resumable": "1.0.0",
    "Upload-Concat": `final;${parts.map((part) => part.url).join(" ")}`,
  });
  assert.equal(answer.status, ready ? 201 : 400);
  if (!ready) return;
  const content = new Uint8Array(parts.flatMap((part) => [...part.content]));
  const url = answer.headers.get("Location") ?? "";
  uploads.push({ url, content, deferred: false, kind: "final" });
  assert.deepEqual(tus.bytesOf(url), content, "a final upload joins its parts");
}

describe("test server under random request sequences (property)", () => {
  test("stores only prefixes of what a correct client sends, answers only allowed statuses", async () => {
    await fc.assert(
      fc.asyncProperty(operations, async (ops) => {
        const tus = createTusApp();
        const uploads: Upload[] = [];
        for (const op of ops) {
          const upload = "target" in op && uploads.length > 0
            ? uploads[op.target % uploads.length]
            : undefined;
          if (op.op === "create") await create(tus, uploads, op);
          else if (op.op === "patch") {
            if (upload) await patch(tus, upload, op);
          } else if (op.op === "final") {
            if (uploads.length > 0) await final(tus, uploads, op);
          } else await other(tus, upload, op);
          checkHeld(tus, uploads);
          for (const entry of tus.requests) assert.ok(entry.status < 500);
        }
      }),
      runs(500),
    );
  });
});
