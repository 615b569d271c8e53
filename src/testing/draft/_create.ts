/**
 * Upload creation: a POST to the endpoint with `Upload-Complete`.
 *
 * @module
 */
import { readBooleanField, readOffsetField } from "./_fields.ts";
import { discard, ingest } from "./_ingest.ts";
import type { DraftUpload, Exchange } from "./_state.ts";
import { finishTransfer } from "./_append.ts";

/** Handles a creation request. */
export async function createUpload(exchange: Exchange): Promise<void> {
  const { ctx, headers } = exchange;
  const limits = ctx.settings.limits;
  const complete = readBooleanField(headers["upload-complete"]);
  if (complete.state !== "valid") {
    exchange.violate(
      "missing-upload-complete",
      `creation with Upload-Complete ${complete.state}`,
    );
    await discard(exchange);
    return exchange.fail(
      400,
      "Cannot create upload: Upload-Complete missing or invalid",
    );
  }
  const declared = readOffsetField(headers["upload-length"]);
  const contentLength = readOffsetField(headers["content-length"]);
  const bodySize = contentLength.state === "valid" ? contentLength.value : null;
  const fromContent = complete.value ? bodySize : null;
  if (
    declared.state === "valid" && fromContent !== null &&
    declared.value !== fromContent
  ) {
    exchange.violate(
      "inconsistent-length",
      `Upload-Length ${declared.value} but Content-Length ${fromContent} completes it`,
    );
    await discard(exchange);
    return exchange.problem(
      400,
      "inconsistent-upload-length",
      "inconsistent length values for upload",
    );
  }
  const length = declared.state === "valid" ? declared.value : fromContent;
  const limitHeader = exchange.limitHeader(null);
  if (
    limits.maxSize !== undefined && length !== null && length > limits.maxSize
  ) {
    await discard(exchange);
    return exchange.fail(
      413,
      "Cannot create upload: larger than max-size",
      limitHeader,
    );
  }
  if (
    limits.maxAppendSize !== undefined && bodySize !== null &&
    bodySize > limits.maxAppendSize
  ) {
    if (ctx.limitsAnnounced) {
      exchange.violate(
        "limit-exceeded",
        `creation of ${bodySize} bytes over max-append-size ${limits.maxAppendSize}`,
      );
    }
    await discard(exchange);
    return exchange.fail(
      413,
      "Cannot create upload: content larger than max-append-size",
      limitHeader,
    );
  }
  if (
    limits.minAppendSize !== undefined && !complete.value &&
    bodySize !== null &&
    bodySize > 0 && bodySize < limits.minAppendSize
  ) {
    if (ctx.limitsAnnounced) {
      exchange.violate(
        "limit-exceeded",
        `creation of ${bodySize} bytes under min-append-size ${limits.minAppendSize}`,
      );
    }
    await discard(exchange);
    return exchange.fail(
      400,
      "Cannot create upload: content smaller than min-append-size",
      limitHeader,
    );
  }
  if (
    limits.minSize !== undefined && (length === null || length < limits.minSize)
  ) {
    return await withoutResource(exchange, complete.value);
  }
  const id = crypto.randomUUID().replaceAll("-", "");
  const upload: DraftUpload = {
    id,
    url: `${ctx.origin}${ctx.settings.basePath}${id}`,
    createdAt: Date.now(),
    chunks: [],
    offset: 0,
    length,
    complete: false,
    invalid: false,
    gone: null,
    transfer: null,
  };
  ctx.uploads.set(id, upload);
  exchange.send104({ location: upload.url, ...exchange.limitHeader(upload) });
  const end = await ingest(exchange, upload);
  finishTransfer(exchange, upload, end, complete.value, true);
}

/**
 * Below `min-size` (or with no length at all) the draft lets a server take
 * the upload without an upload resource: a complete one is accepted as a
 * plain upload, an incomplete one is refused with the limits.
 */
async function withoutResource(exchange: Exchange, complete: boolean) {
  if (!complete) {
    await discard(exchange);
    return exchange.fail(
      400,
      "Cannot create upload: below min-size, send it in one request",
      exchange.limitHeader(null),
    );
  }
  let size = 0;
  for await (const piece of exchange.req as AsyncIterable<Uint8Array>) {
    size += piece.length;
  }
  exchange.bodyBytes = size;
  exchange.answer(
    200,
    { "content-type": "application/json" },
    JSON.stringify({ size, resumable: false }),
  );
}
