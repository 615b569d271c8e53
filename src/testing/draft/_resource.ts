/**
 * The upload resource's own requests: offset retrieval (HEAD, and GET handled
 * the same way), cancellation (DELETE), OPTIONS, plus the lookup and the
 * concurrency rule every request to an upload goes through.
 *
 * @module
 */
import type { DraftUpload, Exchange } from "./_state.ts";
import type { DraftRule } from "./violations.ts";

/** The media type of append bodies. */
export const PARTIAL_UPLOAD = "application/partial-upload";

/** A refusal of a request to an upload that cannot be used. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** The upload a request targets, or why it cannot be used. */
export function find(exchange: Exchange, id: string): DraftUpload | Refusal {
  const upload = exchange.ctx.uploads.get(id) ?? null;
  const maxAge = exchange.ctx.settings.limits.maxAgeMs;
  if (
    upload && maxAge !== undefined && Date.now() - upload.createdAt > maxAge
  ) {
    upload.gone ??= 404;
  }
  if (upload === null || upload.gone !== null) {
    return {
      status: upload?.gone ?? 404,
      message: "Cannot find upload: unknown, cancelled or expired",
    };
  }
  if (upload.invalid) {
    return {
      status: 410,
      message: "Cannot use upload: its offset passed its length",
    };
  }
  return upload;
}

/** The upload a request targets, or `null` after answering 404/410 for it. */
export function lookup(exchange: Exchange, id: string): DraftUpload | null {
  const found = find(exchange, id);
  if ("id" in found) return found;
  exchange.fail(found.status, found.message);
  return null;
}

/**
 * Waits for a creation or append in flight on `upload` to end. One that is
 * still running after the grace period is a client breaking the draft's
 * concurrency rule (recorded as `rule`, unless `rule` is null) and is
 * terminated, as the draft recommends, before the new request goes on.
 */
export async function takeOver(
  exchange: Exchange,
  upload: DraftUpload,
  rule: DraftRule | null,
): Promise<void> {
  const running = upload.transfer;
  if (running === null) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, exchange.ctx.settings.concurrencyGraceMs);
  });
  await Promise.race([running.done, grace]);
  clearTimeout(timer);
  if (upload.transfer !== running) return;
  if (rule !== null) {
    exchange.violate(
      rule,
      `${exchange.method} while a ${running.method} of the same upload was in flight`,
    );
  }
  running.stop();
  await running.done;
}

/** HEAD (or GET): the upload's state, never cached. */
export async function retrieveOffset(
  exchange: Exchange,
  id: string,
): Promise<void> {
  const upload = lookup(exchange, id);
  if (!upload) return;
  await takeOver(exchange, upload, "head-during-append");
  const headers: Record<string, string> = {
    "upload-offset": String(upload.offset),
    "cache-control": "no-store",
    ...exchange.limitHeader(upload),
  };
  if (!exchange.ctx.settings.minimalHead) {
    headers["upload-complete"] = upload.complete ? "?1" : "?0";
    if (upload.length !== null) {
      headers["upload-length"] = String(upload.length);
    }
  }
  exchange.answer(204, headers);
}

/** DELETE: cancels the upload, ending any transfer in flight first. */
export async function cancel(exchange: Exchange, id: string): Promise<void> {
  const upload = lookup(exchange, id);
  if (!upload) return;
  await takeOver(exchange, upload, null);
  upload.gone = 404;
  exchange.answer(204);
}

/** OPTIONS on the endpoint, an upload, or `*`: support and limits. */
export function options(exchange: Exchange): void {
  exchange.ctx.limitsAnnounced = true;
  exchange.answer(204, {
    "accept-patch": PARTIAL_UPLOAD,
    ...exchange.limitHeader(null),
  });
}
