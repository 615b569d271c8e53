/**
 * Reads a request body piece by piece as it arrives, so that a 1 GiB PATCH is
 * never held whole and a cut connection keeps what arrived.
 *
 * @module
 */

/** How {@linkcode RequestBody.receive} reads. */
export interface ReceiveOptions {
  /** Most bytes to accept; past it the body is too long and only counted. */
  readonly limit: number;
  /** Stop reading once this many body bytes were read (a cut), or `null`. */
  readonly stopAfter: number | null;
  /** Takes each accepted piece, in order. */
  onPiece(piece: Uint8Array): void;
}

/** How the body ended. */
export interface ReceiveResult {
  /** Bytes given to `onPiece`. */
  readonly accepted: number;
  /** The body held more than `limit` bytes (the rest was drained). */
  readonly overflow: boolean;
  /** Reading stopped at `stopAfter` before the end of the body. */
  readonly stopped: boolean;
  /** The error that ended reading early (the connection was lost), or `null`. */
  readonly lost: unknown;
}

/** The body of one request, with a count of the bytes read from it. */
export class RequestBody {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | null;
  #ended = false;
  #lost = false;
  #received = 0;
  readonly #declared: number | null;

  /**
   * @param body The request body.
   * @param declared Its `Content-Length`, when given: a body that stops at
   * `stopAfter` exactly at that length is complete, not cut.
   */
  constructor(
    body: ReadableStream<Uint8Array> | null,
    declared: number | null = null,
  ) {
    this.#reader = body?.getReader() ?? null;
    this.#declared = declared;
    if (!body) this.#ended = true;
  }

  /** Whether reading failed: the connection was lost mid-body. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Bytes read so far. */
  get received(): number {
    return this.#received;
  }

  /** Reads the body, handing accepted pieces to `onPiece` as they arrive. */
  async receive(options: ReceiveOptions): Promise<ReceiveResult> {
    const { limit, stopAfter, onPiece } = options;
    let accepted = 0;
    let overflow = false;
    while (true) {
      if (stopAfter !== null && this.#received >= stopAfter) {
        // Whether the end was seen depends on how the runtime split the
        // body: a body that reached its Content-Length is complete.
        const complete = this.#ended || this.#received === this.#declared;
        return { accepted, overflow, stopped: !complete, lost: null };
      }
      let piece: Uint8Array;
      try {
        const next = await this.#next();
        if (next === null) break;
        piece = next;
      } catch (error) {
        return { accepted, overflow, stopped: false, lost: error };
      }
      if (stopAfter !== null && this.#received + piece.length > stopAfter) {
        piece = piece.subarray(0, stopAfter - this.#received);
      }
      this.#received += piece.length;
      if (overflow) continue;
      if (accepted + piece.length > limit) {
        overflow = true;
        continue;
      }
      accepted += piece.length;
      if (piece.length > 0) onPiece(piece);
    }
    return { accepted, overflow, stopped: false, lost: null };
  }

  /** Reads the rest of the body and throws it away; errors are ignored. */
  async drain(): Promise<void> {
    try {
      let piece;
      while ((piece = await this.#next()) !== null) {
        this.#received += piece.length;
      }
    } catch {
      // The client went away: there is nothing left to drain.
    }
  }

  /** Stops reading; the rest of the body is never read. */
  cancel(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reader?.cancel().catch(() => {});
  }

  async #next(): Promise<Uint8Array | null> {
    if (this.#ended || !this.#reader) return null;
    let result;
    try {
      result = await this.#reader.read();
    } catch (error) {
      this.#ended = true;
      this.#lost = true;
      throw error;
    }
    const { done, value } = result;
    if (done) {
      this.#ended = true;
      return null;
    }
    return value;
  }
}
