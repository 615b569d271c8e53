/**
 * Upload progress on stderr: one line per update, or a bar redrawn in place
 * with a carriage return when stderr is a terminal.
 *
 * @module
 */
import type { UploadStats } from "../../mod.ts";
import type { CliWriter } from "./io.ts";

const BAR_WIDTH = 24;

/**
 * A size for people: `512 B`, `1.5 KiB`, `8.0 MiB`.
 *
 * @param bytes A size in bytes.
 * @returns The size with a binary unit.
 */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
}

/** The figures of one update, shared by both renderings. */
function figures(stats: UploadStats): string {
  const percent = (stats.progressPercent ?? 0).toFixed(1).padStart(5);
  const sizes = `${formatBytes(stats.uploadedBytes)} / ${
    formatBytes(stats.totalBytes ?? stats.uploadedBytes)
  }`;
  const speed = `${formatBytes(Math.round(stats.uploadSpeed))}/s`;
  return `${percent}%  ${sizes}  ${speed}  eta ${
    formatSeconds(stats.etaSeconds)
  }`;
}

/** Draws progress updates on a stream. */
export class ProgressReporter {
  readonly #stream: CliWriter;
  readonly #tty: boolean;
  #drawn = false;
  #last: UploadStats | null = null;

  /** @param stream Where to draw; a TTY gets the bar. */
  constructor(stream: CliWriter) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  /** The last update, if any. */
  get last(): UploadStats | null {
    return this.#last;
  }

  /** Shows one update. */
  update(stats: UploadStats): void {
    this.#last = stats;
    if (!this.#tty) {
      this.#stream.write(`progress ${figures(stats)}\n`);
      return;
    }
    const filled = Math.round(((stats.progressPercent ?? 0) / 100) * BAR_WIDTH);
    const bar = `${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}`;
    // \x1b[K clears what a longer previous line left behind.
    this.#stream.write(`\r[${bar}] ${figures(stats)}\x1b[K`);
    this.#drawn = true;
  }

  /** Writes a line of its own, ending the bar first when one is drawn. */
  note(line: string): void {
    this.end();
    this.#stream.write(`${line}\n`);
  }

  /** Ends the bar's line, if one is drawn. */
  end(): void {
    if (this.#drawn) this.#stream.write("\n");
    this.#drawn = false;
  }
}
