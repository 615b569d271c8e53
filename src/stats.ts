/**
 * Upload statistics, as `onProgress` and `uploader.stats` report them.
 *
 * @module
 */
import type { StatsData } from "../machines/upload_types.ts";

/**
 * A snapshot of an upload's progress. Instances are frozen: each report is
 * a new snapshot built from the upload machine's context.
 *
 * @example Showing progress
 * ```ts
 * import { UploadStats } from "@tusflow/client";
 *
 * const stats = new UploadStats({
 *   totalBytes: 1000,
 *   uploadedBytes: 250,
 *   chunksCompleted: 1,
 *   startTime: Date.now() - 1000,
 * });
 * console.log(stats.progressPercent); // 25
 * ```
 */
export class UploadStats {
  /** Size of the upload in bytes; `null` while a stream's length is unknown. */
  readonly totalBytes: number | null;
  /** Bytes the server has confirmed. */
  readonly uploadedBytes: number;
  /**
   * Bytes handed to the connection: `uploadedBytes` plus what has gone out
   * of the chunk in flight. It moves while a chunk is sent where the
   * runtime can count a body's bytes (see the README); elsewhere it equals
   * `uploadedBytes`. A failed request brings it back to `uploadedBytes`.
   */
  readonly sentBytes: number;
  /** Server offset when this uploader started (speed counts from here). */
  readonly startOffset: number;
  /** Chunks the server accepted. */
  readonly chunksCompleted: number;
  /** Chunks that failed after all their retries. */
  readonly chunksFailed: number;
  /** Retries made, over all chunks. */
  readonly chunksRetried: number;
  /** When the upload started, in ms since epoch. */
  readonly startTime: number;
  /** When the upload completed, in ms since epoch, or `null`. */
  readonly endTime: number | null;

  /**
   * Builds a frozen snapshot.
   *
   * @param data The counters; missing ones are 0 (`startTime`: now).
   */
  constructor(data: Partial<StatsData> = {}) {
    this.totalBytes = data.totalBytes === undefined ? 0 : data.totalBytes;
    this.uploadedBytes = data.uploadedBytes ?? 0;
    this.sentBytes = Math.max(data.sentBytes ?? 0, this.uploadedBytes);
    this.startOffset = data.startOffset ?? 0;
    this.chunksCompleted = data.chunksCompleted ?? 0;
    this.chunksFailed = data.chunksFailed ?? 0;
    this.chunksRetried = data.chunksRetried ?? 0;
    this.startTime = data.startTime ?? Date.now();
    this.endTime = data.endTime ?? null;
    Object.freeze(this);
  }

  /** Seconds since the start; stops growing once the upload completed. */
  get elapsedTime(): number {
    return ((this.endTime ?? Date.now()) - this.startTime) / 1000;
  }

  /** Bytes per second sent by this uploader (0 before any time passed). */
  get uploadSpeed(): number {
    const elapsed = this.elapsedTime;
    return elapsed > 0 ? (this.uploadedBytes - this.startOffset) / elapsed : 0;
  }

  /** Upload speed in MiB per second (the name the seed API gave it). */
  get uploadSpeedMbps(): number {
    return this.uploadSpeedMiBps;
  }

  /** Upload speed in MiB per second. */
  get uploadSpeedMiBps(): number {
    return this.uploadSpeed / (1024 * 1024);
  }

  /**
   * Share of the upload on the server, 0–100 (100 for an empty upload);
   * `null` while the length is unknown.
   */
  get progressPercent(): number | null {
    if (this.totalBytes === null) return null;
    if (this.totalBytes === 0) return 100;
    return Math.min(100, (this.uploadedBytes / this.totalBytes) * 100);
  }

  /**
   * Seconds left at the current speed; `null` while there is no speed yet
   * or the length is unknown.
   */
  get etaSeconds(): number | null {
    if (this.totalBytes === null) return null;
    const remaining = this.totalBytes - this.uploadedBytes;
    if (remaining <= 0) return 0;
    const speed = this.uploadSpeed;
    return speed > 0 ? remaining / speed : null;
  }

  /** Chunks attempted to the end: completed plus failed. */
  get totalChunks(): number {
    return this.chunksCompleted + this.chunksFailed;
  }
}
