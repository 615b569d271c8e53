/**
 * The cases of one benchmark run and the groups they alternate in.
 *
 * A group's cases run round-robin, one run of each then the next, so drift
 * of a busy machine hits every case that is compared with another.
 *
 * @module
 */
import type { CaseSpec } from "./case.ts";
import { type Runtime, RUNTIMES } from "./_runtimes.ts";

/** 1 MiB. */
export const MIB = 1024 * 1024;

/** Which server a case uploads to. */
export type Peer = "discard" | "tus-node";

/** What a case measures. */
export type Kind = "throughput" | "memory" | "concurrency";

/** One case: a spec (less the endpoint and module) and how to show it. */
export interface BenchCase {
  /** Unique, readable: `throughput discard 1 MiB deno tusflow sha1`. */
  id: string;
  kind: Kind;
  runtime: Runtime;
  peer: Peer;
  spec: Omit<CaseSpec, "endpoint" | "module">;
  /** How many runs (the 16 GiB cases run once). */
  runs: number;
}

/** A set of cases run round-robin. */
export interface BenchGroup {
  name: string;
  cases: BenchCase[];
}

/** The sizes of a run. */
export interface Sizes {
  /** Bytes of each throughput upload in chunks. */
  throughput: number;
  /**
   * Bytes of each chunkSize ∞ upload: larger, since one PATCH at 2 GB/s
   * would take ~0.1 s, where a process's first request and the client's
   * own start-up (~10 ms) would weigh in the ratio to raw fetch.
   */
  streaming: number;
  /** Stream sizes of the memory cases, the last one being the "huge" case. */
  memory: number[];
  /** Bytes of each of the many concurrent uploads. */
  manySize: number;
  /** How many concurrent uploads, against `FEW` of the same total. */
  many: number;
}

/** The number of concurrent uploads the many are compared with. */
export const FEW = 10;

/** Full-run sizes. */
export const FULL: Sizes = {
  throughput: 256 * MIB,
  streaming: 1024 * MIB,
  memory: [64 * MIB, 1024 * MIB, 16 * 1024 * MIB],
  manySize: MIB,
  many: 1000,
};

/** `--quick` sizes: the same shapes, small. */
export const QUICK: Sizes = {
  throughput: 64 * MIB,
  streaming: 64 * MIB,
  memory: [16 * MIB, 64 * MIB, 256 * MIB],
  manySize: 64 * 1024,
  many: 1000,
};

/** Chunk sizes of the throughput cases; `null` is Infinity. */
export const THROUGHPUT_CHUNKS: (number | null)[] = [null, MIB, 8 * MIB];
/** Chunk sizes of the memory cases. */
export const MEMORY_CHUNKS: number[] = [MIB, 8 * MIB];

/** `1 MiB`, `64 KiB`, `16 GiB`, `∞`. */
export function sizeLabel(bytes: number | null): string {
  if (bytes === null) return "∞";
  if (bytes >= 1024 * MIB && bytes % (1024 * MIB) === 0) {
    return `${bytes / 1024 / MIB} GiB`;
  }
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

function id(parts: (string | number | null | false)[]): string {
  return parts.filter((p) => p !== false && p !== "").join(" ");
}

function throughputGroup(
  peer: Peer,
  chunkSize: number | null,
  sizes: Sizes,
  runs: number,
): BenchGroup {
  const cases: BenchCase[] = [];
  const add = (
    runtime: Runtime,
    client: CaseSpec["client"],
    checksum: false | "sha1",
  ) =>
    cases.push({
      id: id([
        "throughput",
        peer,
        sizeLabel(chunkSize),
        runtime,
        client,
        client === "tusflow" && (checksum || "no-checksum"),
      ]),
      kind: "throughput",
      runtime,
      peer,
      runs,
      spec: {
        client,
        input: "bytes",
        size: chunkSize === null ? sizes.streaming : sizes.throughput,
        count: 1,
        chunkSize,
        checksum,
      },
    });
  for (const runtime of RUNTIMES) {
    add(runtime, "raw", false);
    add(runtime, "tusflow", false);
    add(runtime, "tusflow", "sha1");
  }
  add("node", "tus-js-client", false);
  return { name: `throughput, ${peer}, ${sizeLabel(chunkSize)}`, cases };
}

function memoryGroup(
  size: number,
  chunkSize: number,
  runs: number,
): BenchGroup {
  const cases: BenchCase[] = [];
  for (const runtime of RUNTIMES) {
    for (const client of ["raw", "tusflow"] as const) {
      cases.push({
        id: id([
          "memory",
          sizeLabel(size),
          sizeLabel(chunkSize),
          runtime,
          client,
        ]),
        kind: "memory",
        runtime,
        peer: "discard",
        runs,
        spec: {
          client,
          input: "stream",
          size,
          count: 1,
          chunkSize,
          checksum: false,
        },
      });
    }
  }
  return {
    name: `memory, ${sizeLabel(size)} stream, ${sizeLabel(chunkSize)}`,
    cases,
  };
}

function concurrencyGroup(sizes: Sizes, runs: number): BenchGroup {
  const cases: BenchCase[] = [];
  const total = sizes.many * sizes.manySize;
  for (const runtime of RUNTIMES) {
    for (const client of ["tusflow", "raw"] as const) {
      for (const count of [sizes.many, FEW]) {
        cases.push({
          id: id(["concurrency", runtime, client, `${count}x`]),
          kind: "concurrency",
          runtime,
          peer: "discard",
          runs,
          spec: {
            client,
            input: "bytes",
            size: Math.floor(total / count),
            count,
            chunkSize: MIB,
            checksum: false,
          },
        });
      }
    }
  }
  return {
    name: `concurrency, ${sizes.many} x ${sizeLabel(sizes.manySize)}`,
    cases,
  };
}

/** Every group of a run, in the order they run. */
export function benchGroups(
  options: { sizes: Sizes; runs: number; huge: boolean },
): BenchGroup[] {
  const { sizes, runs } = options;
  const groups: BenchGroup[] = [];
  // The cases the targets read come first, so that a run cut short still
  // judges them; @tus/server and the huge stream come last.
  for (const chunk of THROUGHPUT_CHUNKS) {
    groups.push(throughputGroup("discard", chunk, sizes, runs));
  }
  const [huge, ...rest] = [...sizes.memory].reverse();
  for (const size of rest.reverse()) {
    for (const chunk of MEMORY_CHUNKS) {
      groups.push(memoryGroup(size, chunk, runs));
    }
  }
  groups.push(concurrencyGroup(sizes, runs));
  for (const chunk of THROUGHPUT_CHUNKS) {
    groups.push(throughputGroup("tus-node", chunk, sizes, runs));
  }
  if (options.huge && huge !== undefined) {
    for (const chunk of MEMORY_CHUNKS) {
      groups.push(memoryGroup(huge, chunk, 1));
    }
  }
  return groups;
}
