/**
 * What one soak upload does, drawn from its own seed: size, input kind,
 * client options, faults and process kills. The same seed always gives the
 * same plan, so `--only <seed>` replays it.
 *
 * @module
 */
import { Prng } from "./prng.ts";

/** How the content reaches the client. */
export type InputKind = "path" | "bytes" | "blob" | "stream";

/** The servers the soak runs against. */
export type ServerName = "hono" | "tus-node-server";

/** One upload of the soak. */
export interface UploadPlan {
  /** The upload's seed (content, options and faults come from it). */
  readonly seed: number;
  /** Tag of its requests at the proxy. */
  readonly id: string;
  /** Bytes. */
  readonly size: number;
  readonly input: InputKind;
  readonly chunkSize: number;
  readonly checksum: boolean;
  readonly uploadDataDuringCreation: boolean;
  readonly storeUrl: boolean;
  readonly parallelUploads: number;
  readonly maxRetries: number;
  readonly retryDelay: number;
  /** The client's request timeout, ms. */
  readonly timeout: number;
  /** Chance of a fault per PATCH. */
  readonly faultRate: number;
  /** Chance of a fault per other request (OPTIONS, POST, HEAD). */
  readonly otherFaultRate: number;
  readonly maxFaults: number;
  readonly faultSeed: number;
  /** Run in child processes (killable) instead of in the soak's process. */
  readonly worker: boolean;
  /** Requests (counted over the upload's processes) at which a process is killed. */
  readonly killAt: readonly number[];
  /** ms after that request before the SIGKILL. */
  readonly killDelayMs: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** Chunks per upload at most: a bigger upload gets bigger chunks. */
const MAX_CHUNKS = 48;

/**
 * The plan of the upload with this seed.
 *
 * @param seed The upload's seed.
 * @param server Parallel uploads only against a server with concatenation.
 * @param maxSize Sizes drawn above it are cut to it (short runs).
 * @example Same seed, same plan
 * ```ts
 * import { planUpload } from "./plan.ts";
 *
 * const a = planUpload(7, "hono"), b = planUpload(7, "hono");
 * console.log(JSON.stringify(a) === JSON.stringify(b)); // true
 * ```
 */
export function planUpload(
  seed: number,
  server: ServerName,
  maxSize: number = 64 * MIB,
): UploadPlan {
  const prng = new Prng(seed);
  const size = Math.min(drawSize(prng), maxSize);
  const worker = prng.chance(0.2);
  const input: InputKind = worker
    ? prng.pick(["path", "path", "path", "bytes", "blob"] as const)
    : prng.pick(["path", "path", "bytes", "blob", "stream", "stream"] as const);
  const parallel = server === "hono" && input !== "stream" &&
    prng.chance(0.15);
  const parallelUploads = parallel ? prng.int(2, 4) : 1;
  let chunkSize = prng.pick([
    16 * KIB,
    64 * KIB,
    256 * KIB,
    MIB,
    4 * MIB,
    ...(input === "stream" ? [] : [Infinity]),
  ]);
  while (size / chunkSize > MAX_CHUNKS) chunkSize *= 4;
  const chunkBytes = Math.min(size, chunkSize);
  // Hashing, the proxy and the server share two busy cores: allow ~1 MiB/s.
  const timeout = Math.min(60_000, 2_000 + Math.ceil(chunkBytes / MIB) * 1_000);
  const storeUrl = worker || (size > 0 && prng.chance(0.4));
  const faultRate = prng.pick([0.1, 0.2, 0.3, 0.5]);
  const requests = Math.ceil(size / chunkSize) + 2;
  const kills = worker ? prng.int(1, 2) : 0;
  const killAt = [
    ...new Set(Array.from({ length: kills }, () => prng.int(1, requests))),
  ].sort((a, b) => a - b);
  return {
    seed,
    id: `u${seed}`,
    size,
    input,
    chunkSize,
    checksum: prng.chance(0.5),
    uploadDataDuringCreation: prng.chance(0.3),
    storeUrl,
    parallelUploads,
    maxRetries: prng.int(2, 5),
    retryDelay: prng.int(10, 150),
    timeout,
    faultRate,
    // Creation is never retried: faults there end most uploads at once.
    otherFaultRate: faultRate / 5,
    maxFaults: prng.int(1, 6),
    faultSeed: prng.seed(),
    worker,
    killAt,
    killDelayMs: prng.int(0, 40),
  };
}

/** Mostly small: 0 B, up to 64 KiB, 1 MiB, 8 MiB, and a few up to 64 MiB. */
function drawSize(prng: Prng): number {
  const r = prng.next();
  if (r < 0.08) return 0;
  if (r < 0.45) return prng.int(1, 64 * KIB);
  if (r < 0.75) return prng.int(64 * KIB, MIB);
  if (r < 0.95) return prng.int(MIB, 8 * MIB);
  return prng.int(8 * MIB, 64 * MIB);
}

/** A one-line description of a plan, for the log. */
export function describePlan(plan: UploadPlan): string {
  const chunk = plan.chunkSize === Infinity ? "Infinity" : plan.chunkSize;
  return [
    `size=${plan.size}`,
    `input=${plan.input}`,
    `chunkSize=${chunk}`,
    `checksum=${plan.checksum}`,
    `withCreation=${plan.uploadDataDuringCreation}`,
    `storeUrl=${plan.storeUrl}`,
    `parallel=${plan.parallelUploads}`,
    `maxRetries=${plan.maxRetries}`,
    `timeout=${plan.timeout}`,
    `faultRate=${plan.faultRate}`,
    `worker=${plan.worker}`,
    `killAt=${plan.killAt.join("+") || "-"}`,
  ].join(" ");
}
