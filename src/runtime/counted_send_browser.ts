/**
 * The browser build's `counted_send.ts`: `fetch` cannot report how much of
 * a request body has gone out over HTTP/1.1, `XMLHttpRequest` can (its
 * `upload.onprogress`), so the browser sends counted bodies through it and
 * rebuilds a `Response` from what it saw. The npm package's `browser` export
 * condition resolves `counted_send.ts` to this file (see `npm-build.ts`).
 *
 * What XHR cannot do as `fetch` does: a redirect is always followed (with a
 * `redirect: "error"` request the promise then rejects, as `fetch` would,
 * but the body has gone to the new place too), and the response's `url` is
 * empty.
 *
 * @module
 */
import type * as Counted from "./counted_send.ts";

export type { SendPool } from "./counted_send.ts";

/** Request headers a page may not set (the Fetch standard's list). */
const FORBIDDEN =
  /^(accept-charset|accept-encoding|access-control-request-(headers|method)|connection|content-length|cookie2?|date|dnt|expect|host|keep-alive|origin|referer|set-cookie|te|trailer|transfer-encoding|upgrade|via|proxy-.*|sec-.*)$/;

/** Statuses whose `Response` cannot have a body. */
const NULL_BODY = [101, 103, 204, 205, 304];

/** The part of `XMLHttpRequest` used here (no DOM types in this build). */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Uint8Array): void;
  abort(): void;
  getAllResponseHeaders(): string;
  responseType: string;
  withCredentials: boolean;
  readonly upload: {
    onprogress: ((event: { loaded: number }) => void) | null;
    onload: (() => void) | null;
  };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  ontimeout: (() => void) | null;
  onabort: (() => void) | null;
  readonly status: number;
  readonly statusText: string;
  readonly response: ArrayBuffer | null;
  readonly responseURL: string;
}

/** The shortest time between two `onSent` calls before the last one, in ms. */
const EVERY_MS = 100;

/**
 * Sends `request` with `body` through `XMLHttpRequest`, calling
 * `onSent(total)` as the browser hands bytes to the connection (at most
 * every 100 ms, and once with `body.length` when all are out). The pool of
 * the server twin is ignored: the browser keeps its own connections. With
 * `{ whole: true }` as options (nobody counts), `fetch` sends the body and
 * `onSent(body.length)` comes with the answer.
 *
 * @param request Method, URL, headers, signal and credentials mode; its own
 * body is ignored.
 * @param body The bytes to send, as `Content-Length: body.length`.
 * @param onSent Receives the bytes handed over so far.
 * @returns The response: status, headers and body.
 * @throws {TypeError} on a network error (as a rejection), its `cause`
 * saying what XHR saw; the signal's reason when `request.signal` aborts.
 * @example Sending a chunk with progress
 * ```ts ignore
 * import { countedSend } from "./counted_send_browser.ts";
 * const request = new Request(uploadUrl, { method: "PATCH", headers });
 * const response = await countedSend(request, bytes, (sent) => {
 *   console.log(`${sent} of ${bytes.length} bytes sent`);
 * });
 * ```
 */
export const countedSend: typeof Counted.countedSend = (
  request,
  body,
  onSent,
  options?: unknown,
) =>
  // `{ whole: true }`: nobody is counting, so fetch sends it.
  (options as { whole?: unknown } | undefined)?.whole === true
    ? plainSend(request, body).then((response: Response) => {
      onSent(body.length);
      return response;
    })
    : counted(request, body, onSent);

function counted(
  request: Request,
  body: Uint8Array,
  onSent: (sentBytes: number) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const { signal } = request;
    if (signal.aborted) return reject(signal.reason);
    const xhr = new (globalThis as unknown as { XMLHttpRequest: new () => Xhr })
      .XMLHttpRequest();
    let last = -Infinity;
    let finished = false;
    const finish = () => {
      if (!finished) onSent(body.length);
      finished = true;
    };
    const abort = () => xhr.abort();
    const settle = () => signal.removeEventListener("abort", abort);
    const fail = (what: string) => {
      settle();
      reject(
        new TypeError("Cannot send request: network error", {
          cause: new Error(what),
        }),
      );
    };
    try {
      xhr.open(request.method, request.url);
      xhr.responseType = "arraybuffer";
      xhr.withCredentials = request.credentials === "include";
      request.headers.forEach((value, name) => {
        if (!FORBIDDEN.test(name)) xhr.setRequestHeader(name, value);
      });
    } catch (error) {
      // A method or URL XHR refuses: a TypeError, as fetch rejects with.
      return reject(
        new TypeError("Cannot send request: XMLHttpRequest refused it", {
          cause: error,
        }),
      );
    }
    xhr.upload.onprogress = (event) => {
      const now = performance.now();
      if (finished || event.loaded >= body.length || now - last < EVERY_MS) {
        return;
      }
      last = now;
      onSent(event.loaded);
    };
    xhr.upload.onload = finish;
    xhr.onload = () => {
      settle();
      if (
        request.redirect === "error" && xhr.responseURL &&
        xhr.responseURL !== request.url.split("#")[0]
      ) {
        return fail(
          `XMLHttpRequest followed a redirect to a request with redirect: "error"`,
        );
      }
      finish();
      const headers = new Headers();
      for (const line of xhr.getAllResponseHeaders().split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0) {
          headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
        }
      }
      const { status } = xhr;
      resolve(
        new Response(NULL_BODY.includes(status) ? null : xhr.response, {
          status,
          statusText: xhr.statusText,
          headers,
        }),
      );
    };
    xhr.onerror = () =>
      fail(
        `XMLHttpRequest failed with status ${xhr.status} (the connection failed, or CORS refused it)`,
      );
    xhr.ontimeout = () => fail("XMLHttpRequest timed out");
    xhr.onabort = () => {
      settle();
      reject(
        signal.aborted
          ? signal.reason
          : new DOMException("aborted", "AbortError"),
      );
    };
    signal.addEventListener("abort", abort, { once: true });
    xhr.send(body);
  });
}

/** Sends the whole body through fetch: nobody counts it. */
function plainSend(request: Request, body: Uint8Array): Promise<Response> {
  return fetch(new Request(request, { body: body as Uint8Array<ArrayBuffer> }));
}

/**
 * A request without a body: `fetch` sends it (a browser has no `node:http`).
 *
 * @param request The request.
 * @returns The response.
 * @example Asking a server what it offers
 * ```ts ignore
 * import { bodilessSend } from "./counted_send_browser.ts";
 * const response = await bodilessSend(new Request(endpoint, { method: "OPTIONS" }));
 * ```
 */
export const bodilessSend: typeof Counted.bodilessSend = (request) => {
  const fetchUnbound = globalThis.fetch;
  return fetchUnbound(request);
};

/**
 * Not in a browser: XHR cannot send a stream, so a stream body goes through
 * `fetch` (the transport never calls this here: its pool does not send
 * bodies itself in a browser). Rejects with a `TypeError` saying so, and
 * cancels the stream.
 *
 * @example
 * ```ts
 * import { countedStreamSend } from "./counted_send_browser.ts";
 *
 * const request = new Request("https://tus.example/files/1", { method: "PATCH" });
 * await countedStreamSend(request, new Blob(["abc"]).stream(), 3, () => {})
 *   .catch((error) => console.log(error.message));
 * ```
 */
export const countedStreamSend: typeof Counted.countedStreamSend = (
  _request,
  body,
) => {
  body.cancel().catch(() => {});
  return Promise.reject(
    new TypeError(
      "Cannot send a stream body outside fetch: a browser can count only a Uint8Array body",
    ),
  );
};
