/**
 * Reading a creation or append body into an upload as it arrives, so that an
 * interrupted request keeps what reached the server (the draft: "append as
 * much of the patch document as possible ... without discontinuities").
 *
 * @module
 */
import type { DraftUpload, Exchange, Transfer } from "./_state.ts";

/** How reading the body ended. */
export type IngestEnd =
  | "end"
  | "interrupted"
  | "cut"
  | "cut-answer"
  | "past-length"
  | "too-large";

/**
 * Reads the request body into `upload`, applying a cut fault, the
 * `max-append-size` limit and the upload's length. After a cut with an
 * answer, or a limit, the rest of the body is read and thrown away so that
 * the answer reaches the client.
 */
export function ingest(
  exchange: Exchange,
  upload: DraftUpload,
): Promise<IngestEnd> {
  const { req, ctx } = exchange;
  const cut = ctx.faults.takeCut(exchange.method);
  const maxAppend = ctx.settings.limits.maxAppendSize ?? Infinity;
  const every = ctx.settings.progressEvery;
  let nextProgress = every ?? Infinity;
  let stopped = false;
  let result: IngestEnd | null = null;
  let finish = () => {};
  const transfer: Transfer = {
    method: exchange.method,
    done: new Promise<void>((resolve) => (finish = resolve)),
    stop: () => {
      stopped = true;
      // The socket, not only the request: Bun's node:http answers a
      // destroyed request with an empty 200 of its own.
      req.socket.destroy();
    },
  };
  upload.transfer = transfer;
  return new Promise<IngestEnd>((resolve) => {
    let settled = false;
    const settle = (end: IngestEnd) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      if (upload.transfer === transfer) upload.transfer = null;
      finish();
      resolve(end);
    };
    const onData = (piece: Uint8Array) => {
      if (result !== null) return; // discarding the rest
      let chunk = new Uint8Array(piece);
      if (cut && exchange.bodyBytes + chunk.length >= cut.afterBytes) {
        chunk = chunk.subarray(0, cut.afterBytes - exchange.bodyBytes);
        result = cut.answer ? "cut-answer" : "cut";
        if (!cut.keep) chunk = chunk.subarray(0, 0);
      }
      if (exchange.bodyBytes + chunk.length > maxAppend) {
        chunk = chunk.subarray(0, maxAppend - exchange.bodyBytes);
        result = "too-large";
      }
      const room = upload.length === null
        ? Infinity
        : upload.length - upload.offset;
      if (chunk.length > room) {
        chunk = chunk.subarray(0, room);
        result = "past-length";
      }
      if (chunk.length > 0) {
        upload.chunks.push(chunk.slice());
        upload.offset += chunk.length;
        exchange.bodyBytes += chunk.length;
      }
      if (
        result === null && every !== null && exchange.bodyBytes >= nextProgress
      ) {
        exchange.send104({ "upload-offset": String(upload.offset) });
        while (nextProgress <= exchange.bodyBytes) nextProgress += every;
      }
      if (result === "cut") settle("cut");
    };
    req.on("data", onData);
    req.on("end", () => settle(stopped ? "interrupted" : result ?? "end"));
    req.on("error", () => settle("interrupted"));
    req.on(
      "close",
      () => settle(!stopped && req.complete ? result ?? "end" : "interrupted"),
    );
    // A request destroyed before its body was read emits nothing more.
    if (req.destroyed && !req.readableEnded) settle("interrupted");
  });
}

/** Reads and throws away the rest of a body before answering a refusal. */
export function discard(exchange: Exchange): Promise<void> {
  const { req } = exchange;
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    req.on("end", resolve);
    req.on("close", resolve);
    req.on("error", resolve);
    req.resume();
  });
}
