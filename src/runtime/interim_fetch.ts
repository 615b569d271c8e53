/**
 * A fetch-shaped request over `node:http`/`node:https` that also reports
 * interim (1xx) responses. No runtime's `fetch` exposes them (measured on
 * Node 20, Deno 2.9 and Bun 1.4), yet the resumable-upload draft announces an
 * upload's URL in a 104 before the final response; `node:http`'s
 * `'information'` event sees it on all three runtimes.
 *
 * @module
 */
import type * as Http from "node:http";
import type * as Https from "node:https";
import { optionalBuiltin } from "./builtin.ts";

/** An interim response as seen by the client. */
export interface InterimResponse {
  /** The 1xx status. */
  readonly status: number;
  /** Its header fields. */
  readonly headers: Headers;
}

/** Sends `request`; calls `onInterim` for each 1xx before resolving with the final response. */
export type InterimFetch = (
  request: Request,
  onInterim: (response: InterimResponse) => void,
) => Promise<Response>;

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The interim-aware request function, or `null` where the runtime has no
 * `node:http` (browsers: use `fetch` there and do without 104s). Redirects are
 * not followed (as `redirect: "manual"`); TLS uses the runtime's defaults.
 *
 * @returns The function, or `null`.
 * @example Seeing the 104 of a creation
 * ```ts ignore
 * import { interimFetch } from "./interim_fetch.ts";
 * const send = interimFetch();
 * const response = await send!(new Request(endpoint, init), (interim) => {
 *   console.log(interim.status, interim.headers.get("Location"));
 * });
 * ```
 */
export function interimFetch(): InterimFetch | null {
  const http = optionalBuiltin<typeof Http>("node:http");
  const https = optionalBuiltin<typeof Https>("node:https");
  if (http === null) return null;
  return (request, onInterim) => send(http, https, request, onInterim);
}

function send(
  http: typeof Http,
  https: typeof Https | null,
  request: Request,
  onInterim: (response: InterimResponse) => void,
): Promise<Response> {
  const url = new URL(request.url);
  const module = url.protocol === "https:" ? https : http;
  if (module === null) {
    return Promise.reject(
      new TypeError("Cannot send request: this runtime has no node:https"),
    );
  }
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const { signal } = request;
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const req = module.request(url, { method: request.method, headers });
    const abort = () => req.destroy(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    req.on("information", (info) => {
      onInterim({ status: info.statusCode, headers: toHeaders(info.headers) });
    });
    req.on("error", (error) => {
      signal.removeEventListener("abort", abort);
      reject(signal.aborted ? signal.reason : toTypeError(error));
    });
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const empty = NULL_BODY.has(status) || request.method === "HEAD";
      const body = empty ? null : bodyOf(res, () => {
        signal.removeEventListener("abort", abort);
      });
      if (empty) {
        res.resume();
        signal.removeEventListener("abort", abort);
      }
      resolve(
        new Response(body, {
          status,
          statusText: res.statusMessage,
          headers: toHeaders(res.headers),
        }),
      );
    });
    writeBody(req, request.body).catch((error) => req.destroy(error));
  });
}

async function writeBody(
  req: Http.ClientRequest,
  body: ReadableStream<Uint8Array> | null,
): Promise<void> {
  if (body === null) {
    req.end();
    return;
  }
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!req.write(value)) {
        await new Promise<void>((resolve, reject) => {
          const fail = (error: Error) => reject(error);
          req.once("drain", () => {
            req.off("error", fail);
            resolve();
          });
          req.once("error", fail);
        });
      }
    }
    req.end();
  } finally {
    reader.releaseLock();
  }
}

function bodyOf(
  res: Http.IncomingMessage,
  finished: () => void,
): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = (error: TypeError | null) => {
        if (!open) return;
        open = false;
        finished();
        if (error === null) controller.close();
        else controller.error(error);
      };
      res.on("data", (piece: Uint8Array) => {
        if (!open) return;
        controller.enqueue(new Uint8Array(piece));
        if ((controller.desiredSize ?? 1) <= 0) res.pause();
      });
      res.on("end", () => stop(null));
      res.on("error", (error) => stop(toTypeError(error)));
      res.on("close", () => {
        if (!res.complete) {
          stop(new TypeError("Cannot read response: connection closed"));
        }
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      open = false;
      finished();
      res.destroy();
    },
  }, { highWaterMark: 4 });
}

function toHeaders(raw: Http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      headers.append(name, String(one));
    }
  }
  return headers;
}

/** Network failures reject with a `TypeError`, as fetch's do. */
function toTypeError(error: Error): TypeError {
  return error instanceof TypeError
    ? error
    : new TypeError(`Cannot send request: ${error.message}`, { cause: error });
}
