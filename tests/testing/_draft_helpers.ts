/**
 * Raw `node:http` requests for the draft server's tests: unlike fetch, they
 * see the interim (1xx) responses, on Node, Deno and Bun alike.
 *
 * @module
 */
import http from "node:http";

/** The interop version the tests speak. */
export const INTEROP = { "Upload-Draft-Interop-Version": "9" } as const;

/** Content-Type of appends. */
export const PARTIAL = "application/partial-upload";

/** An interim response seen by the client. */
export interface Interim {
  readonly status: number;
  readonly headers: Record<string, string>;
}

/** A response read to the end, or the error that ended the exchange. */
export interface DraftAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly interim: Interim[];
  readonly error: string | null;
}

/** A body: bytes sent at once, or a writer that streams (chunked) and ends. */
export type Body =
  | Uint8Array
  | string
  | ((req: http.ClientRequest) => Promise<void>);

/** Sends one request and collects the interim and final responses. */
export function request(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: Body,
): Promise<DraftAnswer> {
  return new Promise((resolve) => {
    const interim: Interim[] = [];
    const req = http.request(
      url,
      { method, headers: { ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (piece: string) => (text += piece));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: flat(res.headers),
            text,
            interim,
            error: null,
          }));
        res.on("error", (e) => resolve(failed(interim, e)));
      },
    );
    req.on("information", (info) => {
      interim.push({ status: info.statusCode, headers: flat(info.headers) });
    });
    req.on("error", (e) => resolve(failed(interim, e)));
    if (typeof body === "function") {
      body(req).catch(() => req.destroy());
    } else {
      req.end(body);
    }
  });
}

/** Creates an upload with `Upload-Complete: ?0` and returns its URL. */
export async function createEmpty(
  endpoint: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const answer = await request(endpoint, "POST", {
    ...INTEROP,
    "Upload-Complete": "?0",
    ...headers,
  });
  if (answer.status !== 201 || !answer.headers.location) {
    throw new Error(`Cannot create upload: ${answer.status} ${answer.text}`);
  }
  return answer.headers.location;
}

/** Appends `body` at `offset`. */
export function append(
  url: string,
  offset: number,
  body: Body,
  complete: boolean,
  headers: Record<string, string> = {},
): Promise<DraftAnswer> {
  return request(url, "PATCH", {
    ...INTEROP,
    "Content-Type": PARTIAL,
    "Upload-Offset": String(offset),
    "Upload-Complete": complete ? "?1" : "?0",
    ...headers,
  }, body);
}

/** Writes `text` and leaves the request open until `release` resolves. */
export function hold(text: string, release: Promise<void>) {
  return async (req: http.ClientRequest) => {
    req.write(text);
    await release;
    req.end();
  };
}

/** Resolves once `check` holds, polling every 5 ms, at most `tries` times. */
export async function until(check: () => boolean, tries = 400): Promise<void> {
  for (let i = 0; i < tries && !check(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!check()) throw new Error("Cannot wait: the condition never held");
}

function flat(headers: http.IncomingHttpHeaders | Record<string, unknown>) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      out[name] = Array.isArray(value) ? value.join(", ") : String(value);
    }
  }
  return out;
}

function failed(interim: Interim[], error: Error): DraftAnswer {
  return { status: 0, headers: {}, text: "", interim, error: error.message };
}
