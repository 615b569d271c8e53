/**
 * Plausible one-line bugs, planted one at a time by `run.ts` to measure
 * whether the suite notices them. Each names the test files that should
 * catch it, so that a run stays short.
 *
 * @module
 */

/** One planted bug. */
export interface Mutant {
  /** Short unique name, for `--filter`. */
  readonly name: string;
  /** The file to change, relative to the checkout. */
  readonly file: string;
  /** Exact text to find; it must occur exactly once in `file`. */
  readonly find: string;
  /** What replaces it. */
  readonly replace: string;
  /** The bug, in words. */
  readonly description: string;
  /** Test files (relative to the checkout) that should fail with the bug. */
  readonly tests: readonly string[];
  /**
   * The file is being rewritten: the find-text will likely need updating
   * (it then reports as stale, never as survived).
   */
  readonly likelyStale?: boolean;
}

const PROTOCOL_TESTS = [
  "tests/protocol/protocol_test.ts",
  "tests/property/numbers_property_test.ts",
  "tests/property/metadata_property_test.ts",
  "tests/property/checksum_ranges_property_test.ts",
];
const SERVER_SEQUENCES = "tests/property/server_sequence_property_test.ts";

/** The bugs, grouped by what they break. */
export const MUTANTS: readonly Mutant[] = [
  // The three holes of issue 10.
  {
    name: "stale-url-removed-by-url",
    file: "machines/shared_actors.ts",
    find: "input.storage.removeUrl(input.fingerprint)",
    replace: "input.storage.removeUrl(input.url)",
    description:
      "a stale stored URL is removed by its URL instead of its key, so it stays stored",
    tests: ["tests/client/stale_url_recreation_test.ts"],
  },
  {
    name: "timeout-ends-with-headers",
    file: "src/http/transport.ts",
    find: "      response = await send(prepared);\n",
    replace:
      "      response = await send(prepared);\n      clearTimeout(timer);\n",
    description:
      "the request timeout stops once headers arrive: a stalled body hangs",
    tests: ["tests/client/timeout_body_test.ts"],
  },
  {
    name: "abort-not-given-to-fetch",
    file: "src/http/transport.ts",
    find: "  const signal = request.signal\n" +
      "    ? AbortSignal.any([request.signal, timeout.signal])\n" +
      "    : timeout.signal;",
    replace: "  const signal = timeout.signal;",
    description:
      "an abort rejects but leaves the request in flight (fetch never sees it)",
    tests: ["tests/client/abort_in_flight_test.ts"],
  },
  {
    name: "abort-not-given-to-patch",
    file: "machines/upload_actors.ts",
    find: "({ input, signal }) => runChunk(input, signal),",
    replace: "({ input }) => runChunk(input, new AbortController().signal),",
    description: "the PATCH actor ignores the machine's abort signal",
    tests: ["tests/client/abort_in_flight_test.ts"],
  },
  // The lifecycle of issue 7: resync, budgets, lengths, keys, checksums.
  {
    name: "retry-resends-without-head",
    file: "machines/upload.ts",
    find: '{ guard: "hasUrl", target: "conflict" },',
    replace: '{ guard: "hasUrl", target: "uploading" },',
    description:
      "after a failure without an answer, the chunk is re-sent at the old offset without asking the server",
    tests: ["tests/client/lifecycle_resync_test.ts"],
  },
  {
    name: "budget-not-restarted-by-head",
    file: "machines/upload_logic.ts",
    find: "attempt: progressed ? 0 : context.attempt,",
    replace: "attempt: context.attempt,",
    description: "progress seen by a HEAD does not restart the retry budget",
    tests: [
      "tests/client/lifecycle_resync_test.ts",
      "tests/machines/upload_logic_test.ts",
    ],
  },
  {
    name: "head-length-ignored",
    file: "machines/upload_logic.ts",
    find: "lengthDeferred: state.length === null,",
    replace: "lengthDeferred: context.lengthDeferred,",
    description:
      "a HEAD's Upload-Length does not fix a stream's deferred length",
    tests: [
      "tests/client/lifecycle_resync_test.ts",
      "tests/machines/upload_logic_test.ts",
    ],
  },
  {
    name: "storage-key-without-endpoint",
    file: "src/storage/storage_key.ts",
    find: "return `${fingerprint}::${new URL(endpoint).href}`;",
    replace: "return fingerprint;",
    description: "the storage key forgets the endpoint: server B gets A's URL",
    tests: ["tests/client/lifecycle_storage_test.ts"],
  },
  {
    name: "checksum-not-negotiated",
    file: "src/protocol/checksum.ts",
    find: 'if (!server.extensions.includes("checksum")) return null;',
    replace: 'if (!server.extensions.includes("checksum")) return "sha1";',
    description:
      "sha1 is sent to a server that does not list the checksum extension",
    tests: ["tests/client/lifecycle_checksum_test.ts"],
  },
  {
    name: "refusal-not-verified",
    file: "machines/upload.ts",
    find: '{ guard: "isRefusedChunk", target: "verifying" },',
    replace: "",
    description:
      "a 4xx after another process completed the upload fails without the HEAD that would show it done",
    tests: ["tests/client/lifecycle_resync_test.ts"],
  },
  {
    name: "abort-dropped-while-remembering",
    file: "machines/upload.ts",
    find: '      target: ".failed",\n' +
      '      actions: { type: "storeAbort", params: reasonOf },',
    replace: '      actions: { type: "storeAbort", params: reasonOf },',
    description: "an abort is recorded but the machine stays where it is",
    tests: ["tests/client/lifecycle_abort_test.ts"],
  },
  // Retries.
  {
    name: "429-not-retried",
    file: "machines/retry_policy.ts",
    find: "new Set([423, 429, CHECKSUM_MISMATCH])",
    replace: "new Set([423, CHECKSUM_MISMATCH])",
    description: "429 Too Many Requests fails at once instead of being retried",
    tests: ["tests/client/retry_test.ts"],
  },
  {
    name: "500-not-retried",
    file: "machines/retry_policy.ts",
    find: "return status >= 500 || RETRYABLE_STATUSES.has(status);",
    replace: "return status > 500 || RETRYABLE_STATUSES.has(status);",
    description: "500 itself is not retried (off by one at the 5xx boundary)",
    tests: [
      "tests/client/retry_test.ts",
      "tests/machines/upload_logic_test.ts",
    ],
  },
  {
    name: "backoff-uncapped",
    file: "machines/retry_policy.ts",
    find: "return Math.min(wait, MAX_RETRY_DELAY);",
    replace: "return wait;",
    description: "the retry wait is not capped at 60 s",
    tests: ["tests/machines/upload_logic_test.ts"],
  },
  {
    name: "retry-after-in-seconds",
    file: "src/protocol/retry_after.ts",
    find: "if (seconds !== null) return seconds * 1000;",
    replace: "if (seconds !== null) return seconds;",
    description: "Retry-After seconds are read as milliseconds",
    tests: PROTOCOL_TESTS,
  },
  // Conflicts and offsets.
  {
    name: "offset-standing-still-accepted",
    file: "machines/upload_logic.ts",
    find: "return offset > context.offset && offset <= context.offset",
    replace: "return offset >= context.offset && offset <= context.offset",
    description:
      "a PATCH answer whose Upload-Offset did not move counts as progress",
    tests: [
      "tests/client/misbehaving_server_test.ts",
      "tests/machines/upload_logic_test.ts",
    ],
  },
  {
    name: "server-accepts-stale-offset",
    file: "src/testing/handlers/patch.ts",
    find: "if (offset !== upload.offset) {",
    replace: "if (offset > upload.offset) {",
    description:
      "the test server appends a PATCH whose Upload-Offset is behind (no 409)",
    tests: ["tests/testing/core_test.ts", SERVER_SEQUENCES],
  },
  {
    name: "strict-integer-prefix",
    file: "src/protocol/strict_integer.ts",
    find: "const DIGITS_ONLY = /^[0-9]+$/;",
    replace: "const DIGITS_ONLY = /^[0-9]+/;",
    description: 'an offset such as "12abc" reads as 12',
    tests: PROTOCOL_TESTS,
  },
  {
    name: "strict-integer-unsafe",
    file: "src/protocol/strict_integer.ts",
    find: "return Number.isSafeInteger(parsed) ? parsed : null;",
    replace: "return Number.isFinite(parsed) ? parsed : null;",
    description: "numbers past 2^53 - 1 are read, rounded",
    tests: PROTOCOL_TESTS,
  },
  {
    name: "server-integer-loose",
    file: "src/testing/_headers.ts",
    find: "const number = DIGITS.test(value) ? Number(value) : NaN;",
    replace: "const number = Number(value);",
    description: 'the test server reads Upload-Offset "5.0" or " 5" as 5',
    tests: ["tests/testing/core_test.ts", SERVER_SEQUENCES],
  },
  // Checksums.
  {
    name: "checksum-default-sha256",
    file: "src/protocol/checksum.ts",
    find: 'if (option === true) return "sha1";',
    replace: 'if (option === true) return "sha256";',
    description: "checksum: true picks sha256 instead of sha1",
    tests: [
      "tests/property/checksum_ranges_property_test.ts",
      "tests/client/upload_file_test.ts",
    ],
  },
  {
    name: "checksum-hex-digest",
    file: "src/protocol/checksum.ts",
    find: 'hash.digest("base64")',
    replace: 'hash.digest("hex")',
    description: "Upload-Checksum carries a hex digest instead of Base64",
    tests: PROTOCOL_TESTS,
  },
  {
    name: "server-ignores-checksum-mismatch",
    file: "src/testing/_ingest.ts",
    find: 'if (!await matches(checksum, held)) return "mismatch";',
    replace: "await matches(checksum, held);",
    description: "the test server stores bytes whose checksum does not match",
    tests: ["tests/testing/checksum_concat_test.ts", SERVER_SEQUENCES],
  },
  {
    name: "server-keeps-overflow",
    file: "src/testing/_ingest.ts",
    find: '      store.truncate(upload.id, start);\n      return "overflow";',
    replace: '      return "overflow";',
    description:
      "a body longer than the bytes left is refused but its bytes stay stored",
    tests: ["tests/testing/refusals_test.ts", SERVER_SEQUENCES],
  },
  // URL storage.
  {
    name: "memory-storage-remove-noop",
    file: "src/storage/memory_url_storage.ts",
    find: "    this.#urls.delete(fp);\n",
    replace: "",
    description: "MemoryUrlStorage.removeUrl forgets nothing",
    tests: [
      "tests/storage/memory_url_storage_test.ts",
      "tests/client/stale_url_recreation_test.ts",
    ],
  },
  {
    name: "file-storage-remove-unsaved",
    file: "src/storage/file_url_storage.ts",
    find: "await this.#update((urls) => urls.delete(fp));",
    replace: "await this.#update((urls) => !urls.delete(fp));",
    description: "FileUrlStorage.removeUrl never writes the file",
    tests: ["tests/storage/file_url_storage_test.ts"],
  },
  {
    name: "web-storage-remove-unprefixed",
    file: "src/storage/web_storage_url_storage.ts",
    find: "this.#storage.removeItem(this.#prefix + fp);",
    replace: "this.#storage.removeItem(fp);",
    description: "WebStorageUrlStorage removes the key without its prefix",
    tests: ["tests/storage/web_storage_url_storage_test.ts"],
  },
  // Metadata.
  {
    name: "metadata-empty-key-allowed",
    file: "src/protocol/metadata.ts",
    find: 'if (key === "" || /[\\s,]/.test(key)) {',
    replace: "if (/[\\s,]/.test(key)) {",
    description: "an empty metadata key is sent",
    tests: PROTOCOL_TESTS,
  },
  {
    name: "metadata-empty-value-spaced",
    file: "src/protocol/metadata.ts",
    find: 'value === "" ? key : `${key} ',
    replace: 'value === "\\u0000" ? key : `${key} ',
    description: 'an empty value is sent as "key " instead of the bare key',
    tests: PROTOCOL_TESTS,
  },
  {
    name: "metadata-bad-utf8-replaced",
    file: "src/protocol/metadata.ts",
    find: 'new TextDecoder("utf-8", { fatal: true })',
    replace: 'new TextDecoder("utf-8")',
    description:
      "a value that is Base64 but not UTF-8 decodes to U+FFFD instead of staying raw",
    tests: PROTOCOL_TESTS,
  },
  {
    name: "server-metadata-duplicates",
    file: "src/testing/_headers.ts",
    find: "if (Object.hasOwn(metadata, key)) {",
    replace: "if (Object.hasOwn(metadata, key) && false) {",
    description: "the test server accepts Upload-Metadata with a repeated key",
    tests: ["tests/testing/creation_test.ts", SERVER_SEQUENCES],
  },
  // Timeouts and the test server's faults.
  {
    name: "timeout-never-armed",
    file: "src/http/transport.ts",
    find: "const timer = transport.timeout < MAX_TIMER_MS",
    replace: "const timer = transport.timeout > MAX_TIMER_MS",
    description: "no request timeout is ever armed",
    tests: ["tests/client/timeout_body_test.ts"],
  },
  {
    name: "server-delay-ignores-departure",
    file: "src/testing/app.ts",
    find: "await sleep(delayOf(state.faults, tus.method), closing, gone);",
    replace: "await sleep(delayOf(state.faults, tus.method), closing);",
    description:
      "a latency fault keeps waiting after the client closed the connection",
    tests: ["tests/testing/stall_closed_test.ts"],
  },
  {
    name: "server-cut-counts-as-client-closed",
    file: "src/testing/app.ts",
    find: "const clientClosed = !tus.cut &&\n" +
      "      (tus.body.lost || (connection?.signal.aborted ?? false));",
    replace: "const clientClosed = tus.dropped;",
    description:
      "the request log flags every dropped answer, a fault's own cut included, as the client leaving",
    tests: ["tests/testing/stall_closed_test.ts"],
  },
  {
    name: "server-refused-post-leaves-upload",
    file: "src/testing/handlers/post.ts",
    find: "    store.markGone(id, 404);\n    return outcome",
    replace: "    return outcome",
    description:
      "a creation refused for its data (413, 460) leaves an upload behind",
    tests: [
      "tests/testing/creation_test.ts",
      "tests/testing/refusals_test.ts",
      SERVER_SEQUENCES,
    ],
  },
  // Inputs.
  {
    name: "slice-reads-past-its-end",
    file: "src/input/slice_source.ts",
    find: "base.read(start + offset, Math.min(length, end - start - offset)),",
    replace: "base.read(start + offset, length),",
    description: "a parallel part reads bytes of the next part",
    tests: [
      "tests/client/parallel_test.ts",
      "tests/property/checksum_ranges_property_test.ts",
    ],
  },
  {
    name: "split-ranges-more-than-bytes",
    file: "src/input/slice_source.ts",
    find: "const parts = Math.max(1, Math.min(count, size));",
    replace: "const parts = Math.max(1, count);",
    description: "a small input is split into empty ranges",
    tests: ["tests/property/checksum_ranges_property_test.ts"],
  },
  // Runtime.
  {
    name: "pure-sha256-sigma",
    file: "src/runtime/sha256_pure.ts",
    find: "const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);",
    replace: "const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 2);",
    description: "the pure SHA-256 of fingerprints (browsers) is wrong",
    tests: ["tests/fingerprint_test.ts"],
  },
];
