/**
 * Shared state of the draft server and the helpers every handler uses:
 * answering, interim responses, the request log and the violation list.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestLogEntry } from "../request_log.ts";
import {
  type DraftLimits,
  readIntegerField,
  uploadLimitField,
} from "./_fields.ts";
import { corsHeaders, isPreflight } from "./_cors.ts";
import type { DraftFaults } from "./faults.ts";
import type { DraftRule, DraftViolation } from "./violations.ts";

/** An interim (1xx) response the server sent before its final one. */
export interface DraftInterim {
  /** The 1xx status (104). */
  readonly status: number;
  /** Its header fields, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A logged request; `status` is `0` when the connection ended without an answer. */
export interface DraftRequestLogEntry extends RequestLogEntry {
  /** Interim responses sent for this request, in order. */
  readonly interim: readonly DraftInterim[];
}

/** A creation or append in flight on an upload. */
export interface Transfer {
  readonly method: string;
  readonly done: Promise<void>;
  stop(): void;
}

/** One upload resource. */
export interface DraftUpload {
  readonly id: string;
  readonly url: string;
  readonly createdAt: number;
  readonly chunks: Uint8Array[];
  offset: number;
  length: number | null;
  complete: boolean;
  /** Set once the offset went past the length: every later request is refused. */
  invalid: boolean;
  /** 404 or 410 once deleted, forgotten or expired. */
  gone: 404 | 410 | null;
  transfer: Transfer | null;
}

/** Settings resolved from the server options. */
export interface DraftSettings {
  readonly interopVersion: number;
  readonly limits: DraftLimits;
  readonly send104: boolean;
  readonly progressEvery: number | null;
  readonly concurrencyGraceMs: number;
  readonly minimalHead: boolean;
  readonly basePath: string;
  /** Answer CORS preflights and let pages on other origins read answers. */
  readonly cors: boolean;
}

/** Everything a handler works with. */
export interface DraftContext {
  readonly settings: DraftSettings;
  readonly faults: DraftFaults;
  readonly uploads: Map<string, DraftUpload>;
  readonly requests: DraftRequestLogEntry[];
  /** CORS preflights, apart from the draft's own requests. */
  readonly preflights: DraftRequestLogEntry[];
  readonly violations: DraftViolation[];
  origin: string;
  /** Requests received whose handling has not ended (preflights included). */
  inFlight: number;
  /** True once an OPTIONS answer announced the limits. */
  limitsAnnounced: boolean;
}

/** One request being handled. */
export class Exchange {
  readonly startedAt = Date.now();
  readonly interim: DraftInterim[] = [];
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  bodyBytes = 0;
  #logged = false;
  #settled = false;

  constructor(
    readonly ctx: DraftContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.method = (req.method ?? "GET").toUpperCase();
    this.path = req.url === "*"
      ? "*"
      : new URL(req.url ?? "/", "http://x").pathname;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) {
        headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
    }
    this.headers = Object.freeze(headers);
    this.preflight = ctx.settings.cors && isPreflight(this.method, headers);
    ctx.inFlight++;
    res.once("close", () => this.#settle());
  }

  /** Counts the request out of `inFlight`, once. */
  #settle() {
    if (this.#settled) return;
    this.#settled = true;
    this.ctx.inFlight--;
  }

  /** Whether this is a CORS preflight (not a request of the draft). */
  readonly preflight: boolean;

  /** Whether the request carried the server's interop version. */
  get interopMatches(): boolean {
    const read = readIntegerField(this.headers["upload-draft-interop-version"]);
    return read.state === "valid" &&
      read.value === this.ctx.settings.interopVersion;
  }

  /** Records a broken client MUST. */
  violate(rule: DraftRule, message: string): void {
    this.ctx.violations.push({
      rule,
      method: this.method,
      path: this.path,
      message,
    });
  }

  /**
   * Sends a 104 (Upload Resumption Supported) with the interop version, if
   * the request's interop version matches (the draft forbids it otherwise)
   * and the final answer has not started.
   */
  send104(headers: Record<string, string>): void {
    const socket = this.res.socket;
    if (
      !this.ctx.settings.send104 || !this.interopMatches ||
      this.res.headersSent || !socket || socket.destroyed
    ) {
      return;
    }
    const all = {
      ...headers,
      "upload-draft-interop-version": String(this.ctx.settings.interopVersion),
    };
    let head = "HTTP/1.1 104 Upload Resumption Supported\r\n";
    for (const [name, value] of Object.entries(all)) {
      head += `${name}: ${value}\r\n`;
    }
    // node:http has no generic 1xx writer (only 100, 102 and 103); an
    // interim response is a complete head written before the final one.
    socket.write(`${head}\r\n`);
    this.interim.push({ status: 104, headers: Object.freeze(all) });
  }

  /** Sends the final answer and logs the request. */
  answer(
    status: number,
    headers: Record<string, string> = {},
    body: string | null = null,
    close = false,
  ): void {
    const all: Record<string, string> = this.ctx.settings.cors
      ? { ...corsHeaders(), ...headers }
      : { ...headers };
    if (close) all["connection"] = "close";
    if (body !== null) {
      all["content-length"] = String(new TextEncoder().encode(body).length);
    } else if (status !== 204) {
      all["content-length"] = "0";
    }
    this.#log(status, all);
    if (this.res.headersSent || this.res.destroyed) return;
    this.res.writeHead(status, all);
    this.res.end(body ?? undefined);
  }

  /** Answers with a problem details body (RFC 9457). */
  problem(
    status: number,
    type: string,
    title: string,
    headers: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ): void {
    const body = JSON.stringify({
      type: `https://iana.org/assignments/http-problem-types#${type}`,
      title,
      ...extra,
    });
    this.answer(
      status,
      { ...headers, "content-type": "application/problem+json" },
      body,
      true,
    );
  }

  /** Answers with a plain-text error. */
  fail(
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    this.answer(
      status,
      { ...headers, "content-type": "text/plain; charset=utf-8" },
      message,
      true,
    );
  }

  /** Drops the connection without an answer (logged with status 0). */
  drop(): void {
    this.#log(0, {});
    this.req.socket.destroy();
  }

  /** Logs the request once, when it ended without an answer. */
  logUnanswered(): void {
    this.#log(0, {});
  }

  /** `Upload-Limit` for an upload (or the server, when `upload` is null). */
  limitHeader(upload: DraftUpload | null): Record<string, string> {
    const value = uploadLimitField(
      this.ctx.settings.limits,
      upload?.createdAt ?? null,
    );
    return value === null ? {} : { "upload-limit": value };
  }

  #log(status: number, responseHeaders: Record<string, string>) {
    if (this.#logged) return;
    this.#logged = true;
    this.#settle();
    const log = this.preflight ? this.ctx.preflights : this.ctx.requests;
    log.push({
      method: this.method,
      effectiveMethod: this.method,
      path: this.path,
      status,
      headers: this.headers,
      responseHeaders: Object.freeze({ ...responseHeaders }),
      bodyBytes: this.bodyBytes,
      startedAt: this.startedAt,
      durationMs: Date.now() - this.startedAt,
      // The draft server does not watch for a client hanging up early.
      clientClosed: false,
      interim: this.interim,
    });
  }
}
