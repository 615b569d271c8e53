/**
 * Upload append (PATCH with `application/partial-upload`) and the answer
 * that ends every creation or append transfer.
 *
 * @module
 */
import { readBooleanField, readOffsetField } from "./_fields.ts";
import { discard, ingest, type IngestEnd } from "./_ingest.ts";
import { find, PARTIAL_UPLOAD, takeOver } from "./_resource.ts";
import type { DraftUpload, Exchange } from "./_state.ts";

/** Handles an append request. */
export async function appendUpload(
  exchange: Exchange,
  id: string,
): Promise<void> {
  const upload = find(exchange, id);
  if (!("id" in upload)) {
    await discard(exchange);
    return exchange.fail(upload.status, upload.message);
  }
  await takeOver(exchange, upload, "parallel-append");
  const { headers, ctx } = exchange;
  const limits = ctx.settings.limits;
  const mediaType = (headers["content-type"] ?? "").split(";")[0]?.trim()
    .toLowerCase();
  if (mediaType !== PARTIAL_UPLOAD) {
    exchange.violate(
      "media-type",
      `append with Content-Type ${headers["content-type"] ?? "(none)"}`,
    );
    await discard(exchange);
    return exchange.fail(
      415,
      "Cannot append: Content-Type must be application/partial-upload",
      {
        "accept-patch": PARTIAL_UPLOAD,
      },
    );
  }
  const complete = readBooleanField(headers["upload-complete"]);
  if (complete.state !== "valid") {
    exchange.violate(
      "missing-upload-complete",
      `append with Upload-Complete ${complete.state}`,
    );
    await discard(exchange);
    return exchange.fail(
      400,
      "Cannot append: Upload-Complete missing or invalid",
    );
  }
  const offset = readOffsetField(headers["upload-offset"]);
  if (offset.state !== "valid") {
    exchange.violate(
      "missing-upload-offset",
      `append with Upload-Offset ${offset.state}`,
    );
    await discard(exchange);
    return exchange.fail(
      400,
      "Cannot append: Upload-Offset missing or invalid",
    );
  }
  const contentLength = readOffsetField(headers["content-length"]);
  const bodySize = contentLength.state === "valid" ? contentLength.value : null;
  if (upload.complete) {
    exchange.violate(
      "append-after-completion",
      `append at ${offset.value} to a completed upload`,
    );
    await discard(exchange);
    return bodySize === 0
      ? exchange.problem(400, "completed-upload", "upload is already completed")
      : exchange.problem(
        400,
        "inconsistent-upload-length",
        "upload is already completed, no more data fits",
      );
  }
  if (offset.value !== upload.offset) {
    exchange.violate(
      "offset-mismatch",
      `append at ${offset.value}, server offset ${upload.offset}`,
    );
    await discard(exchange);
    return conflict(exchange, upload, offset.value);
  }
  const declared = readOffsetField(headers["upload-length"]);
  const lengths = [
    declared.state === "valid" ? declared.value : null,
    complete.value && bodySize !== null ? upload.offset + bodySize : null,
    upload.length,
  ].filter((n) => n !== null);
  if (lengths.some((n) => n !== lengths[0])) {
    exchange.violate(
      "inconsistent-length",
      `append declares lengths ${lengths.join(", ")}`,
    );
    await discard(exchange);
    return exchange.problem(
      400,
      "inconsistent-upload-length",
      "inconsistent length values for upload",
    );
  }
  const limitHeader = exchange.limitHeader(upload);
  if (
    limits.maxAppendSize !== undefined && bodySize !== null &&
    bodySize > limits.maxAppendSize
  ) {
    exchange.violate(
      "limit-exceeded",
      `append of ${bodySize} bytes over max-append-size ${limits.maxAppendSize}`,
    );
    await discard(exchange);
    return exchange.fail(
      413,
      "Cannot append: content larger than max-append-size",
      {
        ...limitHeader,
        "upload-complete": "?0",
        "upload-offset": String(upload.offset),
      },
    );
  }
  if (
    limits.minAppendSize !== undefined && !complete.value &&
    bodySize !== null &&
    bodySize < limits.minAppendSize
  ) {
    exchange.violate(
      "limit-exceeded",
      `append of ${bodySize} bytes under min-append-size ${limits.minAppendSize}`,
    );
    await discard(exchange);
    return exchange.fail(
      400,
      "Cannot append: content smaller than min-append-size",
      {
        ...limitHeader,
        "upload-complete": "?0",
      },
    );
  }
  upload.length = lengths[0] ?? null;
  const end = await ingest(exchange, upload);
  finishTransfer(exchange, upload, end, complete.value, false);
}

/** A 409 carrying the server's offset and a mismatching-upload-offset problem. */
export function conflict(
  exchange: Exchange,
  upload: DraftUpload,
  provided: number | null,
): void {
  exchange.problem(
    409,
    "mismatching-upload-offset",
    "offset from request does not match offset of resource",
    { "upload-offset": String(upload.offset), "upload-complete": "?0" },
    provided === null
      ? { "expected-offset": upload.offset }
      : { "expected-offset": upload.offset, "provided-offset": provided },
  );
}

/** Answers a creation (`created`) or append once its body has been read. */
export function finishTransfer(
  exchange: Exchange,
  upload: DraftUpload,
  end: IngestEnd,
  completes: boolean,
  created: boolean,
): void {
  const location: Record<string, string> = created
    ? { location: upload.url }
    : {};
  const state = {
    ...location,
    "upload-complete": "?0",
    "upload-offset": String(upload.offset),
  };
  switch (end) {
    case "interrupted":
      return exchange.logUnanswered();
    case "cut":
      return exchange.drop();
    case "past-length":
      upload.invalid = true;
      exchange.violate(
        "inconsistent-length",
        `content went past the length ${upload.length}`,
      );
      return exchange.problem(
        400,
        "inconsistent-upload-length",
        "content goes past the upload length",
        location,
      );
    case "too-large":
      if (!created || exchange.ctx.limitsAnnounced) {
        exchange.violate(
          "limit-exceeded",
          `content over max-append-size ${exchange.ctx.settings.limits.maxAppendSize}`,
        );
      }
      return exchange.fail(
        413,
        "Cannot take content: larger than max-append-size",
        {
          ...state,
          ...exchange.limitHeader(upload),
        },
      );
    case "cut-answer":
      return exchange.answer(created ? 201 : 204, {
        ...state,
        ...exchange.limitHeader(upload),
      });
    case "end":
      break;
  }
  if (!completes) {
    return exchange.answer(created ? 201 : 204, {
      ...state,
      ...exchange.limitHeader(upload),
    });
  }
  if (upload.length !== null && upload.length !== upload.offset) {
    exchange.violate(
      "inconsistent-length",
      `completed at offset ${upload.offset} but the length is ${upload.length}`,
    );
    return exchange.problem(
      400,
      "inconsistent-upload-length",
      "offset and length differ at completion",
      location,
    );
  }
  upload.length = upload.offset;
  upload.complete = true;
  exchange.answer(
    200,
    {
      ...location,
      "upload-complete": "?1",
      "content-type": "application/json",
    },
    JSON.stringify({ url: upload.url, size: upload.offset }),
  );
}
