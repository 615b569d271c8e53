/**
 * Options checked and resolved once, at the edge, into {@linkcode Settings}:
 * a type with no optional fields that the client, the uploader and the
 * machines share. Nothing below re-reads the user's options.
 *
 * @module
 */
import { Fingerprint, type Fingerprinter } from "./fingerprint.ts";
import {
  ConnectionPool,
  type Transport,
  type TusLogger,
} from "./http/transport.ts";
import { type ProtocolAdapter, tusAdapter } from "./http/protocol.ts";
import { ietfDraftAdapter } from "./ietf/adapter.ts";
import { debugLogger } from "./runtime/debug_log.ts";
import { interimFetch } from "./runtime/interim_fetch.ts";
import { insecureFetch } from "./runtime/tls.ts";
import { optionalBuiltin } from "./runtime/builtin.ts";
import {
  type ChecksumChoice,
  resolveChecksumChoice,
} from "./protocol/checksum.ts";
import { assertMetadataEncoding } from "./protocol/metadata.ts";
import {
  DEFAULTS,
  type InspectObserver,
  type TusClientOptions,
} from "./options.ts";
import { defaultUrlStorage } from "./storage/default_url_storage.ts";
import type { UrlStorage } from "./storage/url_storage.ts";
import type { RetryListener, ShouldRetry } from "../machines/upload_types.ts";

/** Every option, checked, with its default filled in. */
export interface Settings {
  /** How requests are sent; `headers` reads the live header object. */
  readonly transport: Transport;
  /** The live custom headers (`updateHeaders` changes them mid-upload). */
  readonly headers: Record<string, string>;
  readonly chunkSize: number;
  readonly checksum: ChecksumChoice;
  readonly maxRetries: number;
  readonly retryDelay: number;
  readonly shouldRetry: ShouldRetry | null;
  readonly onRetry: RetryListener | null;
  readonly metadataEncoding: string;
  readonly parallelUploads: number;
  readonly uploadDataDuringCreation: boolean;
  /** `null` unless `storeUrl`. */
  readonly urlStorage: UrlStorage | null;
  readonly fingerprinter: Fingerprinter;
  readonly removeFingerprintOnSuccess: boolean;
  readonly inspect: InspectObserver | null;
  /** The protocol every request of this client speaks. */
  readonly protocol: ProtocolAdapter;
}

/**
 * Checks every option and fills in its default.
 *
 * @param defaultMaxRetries `maxRetries` when not given (the client's 3, a
 * bare uploader's 0).
 * @throws {TypeError} or {RangeError} naming the option, before any request.
 */
export function resolveSettings(
  options: TusClientOptions,
  defaultMaxRetries: number = DEFAULTS.maxRetries,
): Settings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Cannot use options: they must be an object");
  }
  const headers = checkHeaders(options.headers);
  const metadataEncoding = options.metadataEncoding ??
    DEFAULTS.metadataEncoding;
  assertMetadataEncoding(metadataEncoding);
  const parallelUploads = checkCount(
    "parallelUploads",
    options.parallelUploads ?? DEFAULTS.parallelUploads,
    1,
  );
  const protocol = resolveProtocol(options);
  if (!protocol.concatenation && parallelUploads > 1) {
    throw new TypeError(
      `Cannot use parallelUploads ${parallelUploads} with protocol ${protocol.name}: it cannot join partial uploads (use parallelUploads: 1)`,
    );
  }
  return {
    transport: resolveTransport(options, headers),
    headers,
    chunkSize: checkChunkSize(options.chunkSize ?? DEFAULTS.chunkSize),
    checksum: resolveChecksumChoice(options.checksum ?? DEFAULTS.checksum),
    maxRetries: checkCount(
      "maxRetries",
      options.maxRetries ?? defaultMaxRetries,
      0,
    ),
    retryDelay: checkDuration(
      "retryDelay",
      options.retryDelay ?? DEFAULTS.retryDelay,
      false,
    ),
    shouldRetry: checkFunction("onShouldRetry", options.onShouldRetry) ?? null,
    onRetry: checkFunction("onRetry", options.onRetry) ?? null,
    metadataEncoding,
    parallelUploads,
    uploadDataDuringCreation: checkBoolean(
      "uploadDataDuringCreation",
      options.uploadDataDuringCreation ?? DEFAULTS.uploadDataDuringCreation,
    ),
    urlStorage: resolveUrlStorage(options),
    fingerprinter: resolveFingerprinter(options.fingerprinter),
    removeFingerprintOnSuccess: checkBoolean(
      "removeFingerprintOnSuccess",
      options.removeFingerprintOnSuccess ??
        DEFAULTS.removeFingerprintOnSuccess,
    ),
    inspect: options.inspect ?? null,
    protocol,
  };
}

/**
 * The protocol adapter: the draft's sees 104s through `node:http` unless
 * the user gave their own `fetch` or accepts any certificate (then its
 * creations are careful, without data).
 */
function resolveProtocol(options: TusClientOptions): ProtocolAdapter {
  const name = options.protocol ?? DEFAULTS.protocol;
  if (name === "tus-v1") return tusAdapter;
  if (name !== "ietf-draft") {
    throw new TypeError(
      'Cannot use protocol: it must be "tus-v1" or "ietf-draft"',
    );
  }
  const ownFetch = options.fetch !== undefined ||
    options.verifyTlsCert === false;
  return ietfDraftAdapter({ interim: ownFetch ? null : interimFetch() });
}

/**
 * Request bodies in flight at once per client (and keep-alive connections per
 * origin). 1000 concurrent 1 MiB uploads in one process: 16, 32 and 64 ran
 * alike (Deno 260–510 MB/s, Bun 425–560, on a loaded machine), 4 and 256+
 * slower; on Bun, whose fetch copies each body in flight, peak RSS grew
 * with it (1175 MiB at 16, 1190 at 32, 1220 at 64, inputs 1000 MiB).
 */
const MAX_SOCKETS = 32;

/**
 * Bodies go through `countedSend` even when nobody counts, wherever it is
 * faster than the runtime's `fetch` (medians of 3, MB/s, 1 MiB / 8 MiB
 * PATCH bodies / one 256 MiB body, to a discarding server, on a loaded
 * 2-core machine): Node's `node:http` 408 / 650 / 572 against fetch's
 * 267 / 434 / 428 (CPU per 1 MiB request 1.3–1.5 ms against 2.0–2.6);
 * Deno's `node:http` 581 / 999 / 1337 against 476 / 520 / 222 (fetch's
 * RSS +40–500 MiB); on Bun, its `fetch` either way, but large bodies as a
 * stream of views, which Bun does not copy. Browsers have no `node:http`:
 * there only counted bodies take the XHR path.
 */
const DIRECT_BODIES = optionalBuiltin("node:http") !== null;

/**
 * On Node, requests without a body take the same connections: measured at
 * 1000 concurrent POSTs, 0.8 ms of CPU each through Node's `fetch` (undici)
 * against 0.2 ms through `node:http`, and the first `fetch` of a process
 * costs 65 ms loading undici. Deno's and Bun's `fetch` are native.
 */
const BODILESS_DIRECT = DIRECT_BODIES && !("Deno" in globalThis) &&
  !("Bun" in globalThis);

function resolveTransport(
  options: TusClientOptions,
  headers: Record<string, string>,
): Transport {
  const injected = checkFunction("fetch", options.fetch);
  const fetchImpl = injected ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") {
    throw new TypeError(
      "Cannot send requests: this runtime has no fetch; pass one as the fetch option",
    );
  }
  const verify = checkBoolean(
    "verifyTlsCert",
    options.verifyTlsCert ?? DEFAULTS.verifyTlsCert,
  );
  const logger: TusLogger | undefined =
    checkFunction("logger", options.logger) ?? debugLogger() ?? undefined;
  const send = verify ? fetchImpl : insecureFetch(fetchImpl);
  return {
    fetch: send,
    headers: () => headers,
    timeout: checkDuration(
      "timeout",
      options.timeout ?? DEFAULTS.timeout,
      true,
    ),
    requestId: checkBoolean(
      "requestId",
      options.requestId ?? DEFAULTS.requestId,
    ),
    overridePatchMethod: checkBoolean(
      "overridePatchMethod",
      options.overridePatchMethod ?? DEFAULTS.overridePatchMethod,
    ),
    onBeforeRequest: checkFunction("onBeforeRequest", options.onBeforeRequest),
    onAfterResponse: checkFunction("onAfterResponse", options.onAfterResponse),
    logger,
    // An injected fetch sends every request itself: no body bypasses it.
    pool: new ConnectionPool({
      maxSockets: MAX_SOCKETS,
      rejectUnauthorized: verify,
      ownFetch: injected === undefined ? send : null,
      direct: DIRECT_BODIES,
      bodiless: BODILESS_DIRECT,
    }),
  };
}

function resolveUrlStorage(options: TusClientOptions): UrlStorage | null {
  const storage = options.urlStorage;
  if (
    storage !== undefined &&
    (typeof storage?.getUrl !== "function" ||
      typeof storage.setUrl !== "function" ||
      typeof storage.removeUrl !== "function")
  ) {
    throw new TypeError(
      "Cannot use urlStorage: it must implement getUrl, setUrl and removeUrl",
    );
  }
  const store = checkBoolean("storeUrl", options.storeUrl ?? DEFAULTS.storeUrl);
  return store ? storage ?? defaultUrlStorage() : null;
}

function resolveFingerprinter(value: Fingerprinter | undefined): Fingerprinter {
  if (value === undefined) return new Fingerprint();
  if (typeof value?.getFingerprint !== "function") {
    throw new TypeError(
      "Cannot use fingerprinter: it must implement getFingerprint",
    );
  }
  return value;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`Cannot use ${name}: it must be true or false`);
  }
  return value;
}

/** Checks `chunkSize`: a positive integer or `Infinity`. */
export function checkChunkSize(value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError("Cannot use chunkSize: it must be a number");
  }
  if (value === Infinity) return value;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot use chunkSize ${value}: it must be a whole number of bytes >= 1, or Infinity`,
    );
  }
  return value;
}

function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot use ${name}: it must be a number`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot use ${name} ${value}: it must be a whole number >= ${min}`,
    );
  }
  return value;
}

function checkDuration(
  name: string,
  value: unknown,
  positive: boolean,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot use ${name}: it must be a number of ms`);
  }
  if (Number.isNaN(value) || value < 0 || (positive && value === 0)) {
    throw new RangeError(
      `Cannot use ${name} ${value}: it must be a number of ms ${
        positive ? "> 0" : ">= 0"
      }`,
    );
  }
  return value;
}

function checkFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`Cannot use ${name}: it must be a function`);
  }
  return value;
}

/**
 * Checks custom headers: an object of string values.
 *
 * @throws {TypeError} for anything else.
 */
export function checkHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("Cannot use headers: it must be an object of strings");
  }
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== "string") {
      throw new TypeError(
        `Cannot use header "${name}": its value must be a string`,
      );
    }
  }
  return { ...value } as Record<string, string>;
}
