/**
 * Upload progress on stderr. On a terminal: one bar, redrawn in place five
 * times a second, that fits the terminal's width (`columns`), with the
 * current and average speed, bytes, percent and time left. Elsewhere (a
 * pipe, a log file): a plain line at most every 5 s or every 10 %.
 *
 * @module
 */
import type { CliWriter } from "./io.ts";

/** How often the bar is redrawn on a terminal, in ms (5 times a second). */
export const REDRAW_MS = 200;
/** Off a terminal: a line at most this often, in ms, or per 10 %. */
export const PLAIN_LINE_MS = 5000;
/** The window the current speed is measured over, in ms. */
const SPEED_WINDOW_MS = 3000;

/**
 * A size for people: `512 B`, `1.5 KiB`, `8.0 MiB`.
 *
 * @param bytes A size in bytes.
 * @returns The size with a binary unit.
 */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A time left: `0:05`, `12:30`, `1:02:03` (hours when it takes that long).
 *
 * @param seconds The time, or `null` when unknown.
 * @returns The time as `[h:]mm:ss`, or `--:--` when unknown.
 */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) {
    return "--:--";
  }
  const whole = Math.ceil(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** What the display shows at one moment. */
export interface ProgressFigures {
  /** What is being sent: a file name, or "3 files". */
  readonly label: string;
  /** Bytes sent so far. */
  readonly sent: number;
  /** Bytes to send in all, `null` while unknown (a stream). */
  readonly total: number | null;
  /** Bytes per second over the last seconds. */
  readonly speed: number;
  /** Bytes per second since the start. */
  readonly averageSpeed: number;
}

/** Cuts `text` to `width` characters, marking the cut with `…`. */
function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/**
 * The bar's line for a terminal `columns` wide: never longer than
 * `columns - 1` characters (the last column would wrap on some terminals).
 * Parts are dropped as the terminal narrows: the average speed, then the
 * label, then the bar itself.
 *
 * @param figures What to show.
 * @param columns The terminal's width.
 * @returns The line, without line end or control characters.
 */
export function renderBar(figures: ProgressFigures, columns: number): string {
  const width = Math.max(1, Math.floor(columns) - 1);
  const { total, sent } = figures;
  // Fixed widths, so that the bar does not jump as the figures change.
  const speed = `${formatBytes(figures.speed)}/s`.padStart(12);
  const average = `avg ${formatBytes(figures.averageSpeed)}/s`;
  if (total === null) {
    const parts = [`${formatBytes(sent).padStart(10)} sent`, speed, average];
    const label = `${fit(figures.label, 20)} `;
    for (const text of [label + parts.join(" "), parts.slice(0, 2).join(" ")]) {
      if (text.length <= width) return text;
    }
    return fit(parts.slice(0, 2).join(" ").trim(), width);
  }
  const percent = total > 0 ? Math.min(100, (sent / total) * 100) : 100;
  const rate = figures.speed > 0 ? figures.speed : figures.averageSpeed;
  const left = rate > 0 ? (total - sent) / rate : null;
  const share = `${percent.toFixed(1).padStart(5)}%`;
  const sentText = formatBytes(sent).padStart(10);
  const bytes = `${sentText}/${formatBytes(total)}`;
  const eta = `eta ${formatEta(sent >= total ? 0 : left).padEnd(5)}`;
  const label = `${fit(figures.label, 20)} `;
  // From the richest line down; the first that fits wins.
  const choices: Array<{ head: string; parts: string[] }> = [
    { head: label, parts: [share, bytes, speed, average, eta] },
    { head: label, parts: [share, bytes, speed, eta] },
    { head: "", parts: [share, bytes, speed, eta] },
    { head: "", parts: [share, sentText, speed, eta] },
  ];
  for (const { head, parts } of choices) {
    const text = parts.join(" ");
    const room = width - head.length - text.length - 3; // "[", "] "
    if (room >= 10) {
      const filled = Math.round((percent / 100) * room);
      return `${head}[${"#".repeat(filled)}${
        "-".repeat(room - filled)
      }] ${text}`;
    }
  }
  return fit(
    [share, sentText, speed, eta].join(" ").replace(/ +/g, " ").trim(),
    width,
  );
}

/** A plain progress line, for logs. */
export function renderLine(figures: ProgressFigures): string {
  const bar = renderBar(figures, 1000);
  return `progress ${bar.replace(/\[[#-]*\] /, "").replace(/ +/g, " ").trim()}`;
}

/** Measures speeds from samples of bytes sent. */
class SpeedMeter {
  readonly #samples: Array<{ at: number; sent: number }> = [];
  #first: { at: number; sent: number } | null = null;

  add(at: number, sent: number): void {
    this.#first ??= { at, sent };
    this.#samples.push({ at, sent });
    while (
      this.#samples.length > 2 && at - this.#samples[0]!.at > SPEED_WINDOW_MS
    ) this.#samples.shift();
  }

  speeds(now: number, sent: number): { speed: number; average: number } {
    const rate = (from: { at: number; sent: number } | undefined) => {
      if (!from) return 0;
      const seconds = (now - from.at) / 1000;
      return seconds > 0.05 ? Math.max(0, sent - from.sent) / seconds : 0;
    };
    return {
      speed: rate(this.#samples[0]),
      average: rate(this.#first ?? undefined),
    };
  }
}

/** Where the figures come from: read at every redraw. */
export interface ProgressSource {
  /**
   * The label, bytes sent and total now; `moved` is what this run sent
   * (a resumed upload starts past 0), the speeds count only that.
   */
  read(): {
    label: string;
    sent: number;
    total: number | null;
    moved?: number;
  };
}

/**
 * Draws progress for one run: a bar on a terminal, lines elsewhere, nothing
 * when quiet. Messages written with {@linkcode note} go above the bar.
 */
export class ProgressDisplay {
  readonly #stream: CliWriter;
  readonly #tty: boolean;
  readonly #quiet: boolean;
  readonly #source: ProgressSource;
  readonly #meter = new SpeedMeter();
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #drawn = false;
  #lastLineAt = 0;
  #lastTenth = -1;

  /**
   * @param stream Where to draw (stderr); a TTY gets the bar.
   * @param source What to show, read at every redraw.
   * @param options `quiet`: draw nothing (notes still go out unless `quiet`).
   */
  constructor(
    stream: CliWriter,
    source: ProgressSource,
    options: { quiet: boolean; now?: () => number },
  ) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
    this.#quiet = options.quiet;
    this.#source = source;
    this.#now = options.now ?? Date.now;
  }

  /** Starts the redraw timer. */
  start(): void {
    if (this.#quiet || this.#timer) return;
    this.#lastLineAt = this.#now();
    const { sent, moved } = this.#source.read();
    this.#meter.add(this.#lastLineAt, moved ?? sent);
    this.#timer = setInterval(
      () => this.#tick(false),
      this.#tty ? REDRAW_MS : 1000,
    );
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Tells the display that bytes moved (a plain line per 10 % step). */
  changed(): void {
    if (!this.#quiet && !this.#tty) this.#tick(true);
  }

  /** Writes a line of its own above the bar (not when quiet). */
  note(line: string): void {
    if (this.#quiet) return;
    this.say(line);
  }

  /** Writes a line of its own above the bar, even when quiet (errors). */
  say(line: string): void {
    this.#clear();
    this.#stream.write(`${line}\n`);
  }

  /** Writes a result to `stream` (stdout), taking the bar out of its way. */
  output(stream: CliWriter, text: string): void {
    this.#clear();
    stream.write(text);
  }

  /**
   * Stops the timer and ends the bar's line.
   *
   * @param drawLast Draw the final state first (not after a failure, whose
   *   message would then sit above a stale bar).
   */
  stop(drawLast = true): void {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
      if (this.#tty && drawLast) this.#draw();
    }
    if (this.#drawn) this.#stream.write("\n");
    this.#drawn = false;
  }

  #figures(): ProgressFigures {
    const { label, sent, total, moved } = this.#source.read();
    const now = this.#now();
    this.#meter.add(now, moved ?? sent);
    const { speed, average } = this.#meter.speeds(now, moved ?? sent);
    return { label, sent, total, speed, averageSpeed: average };
  }

  #tick(fromUpdate: boolean): void {
    if (this.#tty) return this.#draw();
    const figures = this.#figures();
    const now = this.#now();
    const tenth = figures.total
      ? Math.floor((figures.sent / figures.total) * 10)
      : -1;
    const stepped = fromUpdate && tenth > this.#lastTenth;
    if (!stepped && now - this.#lastLineAt < PLAIN_LINE_MS) return;
    this.#lastTenth = Math.max(this.#lastTenth, tenth);
    this.#lastLineAt = now;
    this.#stream.write(`${renderLine(figures)}\n`);
  }

  #draw(): void {
    const columns = this.#stream.columns ?? 80;
    const line = renderBar(this.#figures(), columns);
    this.#stream.write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  #clear(): void {
    if (this.#drawn) this.#stream.write("\r\x1b[K");
    this.#drawn = false;
  }
}
