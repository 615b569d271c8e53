/**
 * POST: creates an upload (creation, creation-with-upload,
 * creation-defer-length, concatenation, expiration).
 *
 * @module
 */
import {
  empty,
  expiryHeaders,
  fail,
  isComplete,
  type TusRequest,
  type TusState,
} from "../_context.ts";
import {
  announcesBody,
  hasOffsetContentType,
  HeaderError,
  parseChecksum,
  parseConcat,
  parseMetadata,
  readInteger,
  type UploadConcat,
} from "../_headers.ts";
import { ingest } from "../_ingest.ts";
import type { NewUpload, UploadRecord } from "../store.ts";

/**
 * Creates an upload and answers `201 Created` with its absolute `Location`.
 * Refuses with 400 (headers: lengths, `Upload-Metadata`, `Upload-Concat`,
 * parts of a final upload), 413 (past `Tus-Max-Size`), 415 (data without
 * `Content-Type: application/offset+octet-stream`) and 460 (checksum of the
 * data); a refused creation leaves no upload behind.
 */
export async function handlePost(
  state: TusState,
  tus: TusRequest,
): Promise<Response> {
  if (!state.config.has("creation")) {
    return fail(405, "Cannot create upload: creation is not enabled", {
      Allow: "OPTIONS",
    });
  }
  try {
    return await create(state, tus);
  } catch (error) {
    if (!(error instanceof HeaderError)) throw error;
    return fail(error.status, `Cannot create upload: ${error.message}`);
  }
}

async function create(state: TusState, tus: TusRequest): Promise<Response> {
  const { config, store } = state;
  const { headers } = tus;
  const concatHeader = headers.get("upload-concat");
  let concat: UploadConcat | null = null;
  if (concatHeader !== null) {
    if (!config.has("concatenation")) {
      throw new HeaderError("Upload-Concat needs concatenation, not enabled");
    }
    concat = parseConcat(concatHeader);
  }
  const metadataHeader = headers.get("upload-metadata");
  const metadata = metadataHeader === null ? {} : parseMetadata(metadataHeader);
  const id = crypto.randomUUID().replaceAll("-", "");
  const upload: NewUpload = {
    id,
    url: `${tus.url.origin}${config.basePath}${id}`,
    length: null,
    metadataHeader,
    metadata,
    kind: concat?.kind ?? "single",
    concatHeader,
    parts: [],
    expiresAt: null,
  };
  if (concat?.kind === "final") {
    const final = finalUpload(state, tus, upload, concat.urls);
    return empty(201, { Location: store.create(final).url });
  }
  const length = readLength(state, headers);
  const withData = config.has("creation-with-upload") &&
    hasOffsetContentType(headers);
  if (
    config.has("creation-with-upload") && !withData && announcesBody(headers)
  ) {
    throw new HeaderError(
      "data must come with Content-Type: application/offset+octet-stream",
      415,
    );
  }
  const checksumHeader = headers.get("upload-checksum");
  const checksum = withData && checksumHeader !== null &&
      config.has("checksum")
    ? parseChecksum(checksumHeader, config.checksumAlgorithms)
    : null;
  const contentLength = readInteger(headers, "content-length");
  const limit = length ?? config.maxSize ?? Infinity;
  if (withData && contentLength !== null && contentLength > limit) {
    throw new HeaderError(`${contentLength} bytes of data pass ${limit}`, 413);
  }
  const expiresAt = config.has("expiration") && config.expiresInMs !== null
    ? Date.now() + config.expiresInMs
    : null;
  const created = store.create({ ...upload, length, expiresAt });
  if (!withData) return created201(state, created, false);
  const outcome = await ingest(state, tus, {
    upload: created,
    limit,
    checksum,
    cut: null,
  });
  if (outcome === "overflow" || outcome === "mismatch") {
    store.markGone(id, 404);
    return outcome === "overflow"
      ? fail(
        413,
        `Cannot create upload: the data is longer than ${limit} bytes`,
      )
      : fail(
        460,
        `Cannot create upload: the ${checksum?.algorithm} checksum does not match`,
      );
  }
  if (outcome === "lost") tus.dropped = true;
  return created201(state, store.get(id) as UploadRecord, true);
}

function created201(
  state: TusState,
  upload: UploadRecord,
  withOffset: boolean,
): Response {
  const headers: Record<string, string> = {
    Location: upload.url,
    ...expiryHeaders(state, upload),
  };
  if (withOffset) headers["Upload-Offset"] = String(upload.offset);
  return empty(201, headers);
}

/** `Upload-Length`, or `null` for `Upload-Defer-Length: 1`: exactly one. */
function readLength(state: TusState, headers: Headers): number | null {
  const { config } = state;
  const length = readInteger(headers, "upload-length");
  const defer = headers.get("upload-defer-length");
  if ((length === null) === (defer === null)) {
    throw new HeaderError(
      "send exactly one of Upload-Length and Upload-Defer-Length",
    );
  }
  if (defer !== null && defer !== "1") {
    throw new HeaderError("Upload-Defer-Length must be 1");
  }
  if (defer !== null && !config.has("creation-defer-length")) {
    throw new HeaderError(
      "Upload-Defer-Length needs creation-defer-length, not enabled",
    );
  }
  if (length !== null && config.maxSize !== null && length > config.maxSize) {
    throw new HeaderError(
      `Upload-Length ${length} exceeds Tus-Max-Size ${config.maxSize}`,
      413,
    );
  }
  return length;
}

/** A final upload of complete partial uploads of this server, in order. */
function finalUpload(
  state: TusState,
  tus: TusRequest,
  upload: NewUpload,
  urls: readonly string[],
): NewUpload {
  const { config, store } = state;
  if (
    tus.headers.has("upload-length") || tus.headers.has("upload-defer-length")
  ) {
    throw new HeaderError("a final upload takes no Upload-Length");
  }
  const parts: UploadRecord[] = [];
  for (const url of urls) {
    let path;
    try {
      path = new URL(url, tus.url).pathname;
    } catch {
      throw new HeaderError(`part ${url} is not a URL`);
    }
    const partId = path.startsWith(config.basePath)
      ? path.slice(config.basePath.length)
      : "";
    const part = store.get(partId);
    if (!part || part.gone !== null) {
      throw new HeaderError(`part ${url} is not an upload of this server`);
    }
    if (part.kind !== "partial") {
      throw new HeaderError(`part ${url} is not a partial upload`);
    }
    if (!isComplete(part)) {
      throw new HeaderError(`part ${url} is unfinished`);
    }
    parts.push(part);
  }
  const length = parts.reduce((sum, part) => sum + (part.length ?? 0), 0);
  if (config.maxSize !== null && length > config.maxSize) {
    throw new HeaderError(
      `the parts add up to ${length} bytes, past Tus-Max-Size ${config.maxSize}`,
      413,
    );
  }
  return { ...upload, length, parts: parts.map((part) => part.id) };
}
