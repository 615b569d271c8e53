/**
 * How failures read on stderr: the library's message, the status when the
 * message lacks it, the network cause (refused, not found, reset, TLS), and
 * for retries a line that says how long the wait is and why.
 *
 * @module
 */
import { TusCommunicationError } from "../../mod.ts";
import { networkCause } from "../runtime/network_cause.ts";

/** How much of a response body a message quotes. */
export const BODY_EXCERPT_BYTES = 200;

/**
 * The first {@linkcode BODY_EXCERPT_BYTES} bytes of a body as one line:
 * decoded leniently, control characters and runs of spaces folded.
 *
 * @param body The response body, or `null`.
 * @returns The excerpt, `""` for none.
 */
export function bodyExcerpt(body: Uint8Array | null | undefined): string {
  if (!body || body.length === 0) return "";
  const head = body.subarray(0, BODY_EXCERPT_BYTES);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(head);
  // deno-lint-ignore no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim();
  return body.length > BODY_EXCERPT_BYTES ? `${line}…` : line;
}

/**
 * Why a request failed, short: `server answered 500: <body excerpt>`, or
 * the network cause, or the error's own message.
 *
 * @param error What the library reported.
 * @returns The reason, for "retrying in …" lines.
 */
export function reasonOf(error: unknown): string {
  if (error instanceof TusCommunicationError && error.statusCode !== null) {
    const excerpt = bodyExcerpt(error.responseContent);
    return `server answered ${error.statusCode}${
      excerpt ? `: ${excerpt}` : ""
    }`;
  }
  const cause = networkCause(error);
  if (cause) return cause;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The full message for a failure: the library's "Cannot …" message, with
 * the status and the network cause added when it does not say them.
 *
 * @param error What the library rejected with.
 * @param action The command, for errors without a "Cannot" message.
 * @returns One line, without line end.
 */
export function failureMessage(error: unknown, action: string): string {
  const message = error instanceof Error ? error.message : String(error);
  let text = message.startsWith("Cannot ")
    ? message
    : `Cannot run ${action}: ${message}`;
  if (error instanceof TusCommunicationError && error.statusCode !== null) {
    const status = String(error.statusCode);
    if (!text.includes(status)) text += ` (status ${status})`;
    // What the server said about it, as the retry lines show it.
    const excerpt = bodyExcerpt(error.responseContent);
    if (excerpt && !text.includes(excerpt)) text += `: ${excerpt}`;
  }
  // The library may name the cause already, by its code (ECONNREFUSED).
  const cause = networkCause(error);
  const code = /\((\w+)\)$/.exec(cause ?? "")?.[1] ?? "";
  if (cause && !text.includes(cause) && !(code && text.includes(code))) {
    text += `: ${cause}`;
  }
  return text;
}
