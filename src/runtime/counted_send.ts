/**
 * Placeholder of the server-side `countedSend` (Deno, Bun, Node), so that
 * its browser twin has a module to stand in for: it sends through `fetch`
 * and reports the whole body once the response has come.
 *
 * @module
 */

/**
 * Sends `request` with `body` as its bytes, calling `onSent(body.length)`
 * once the response has come.
 *
 * @param request Method, URL, headers and signal; its own body is ignored.
 * @param body The bytes to send.
 * @param onSent Receives the bytes handed over so far.
 * @returns The response.
 * @throws {TypeError} on a network error (as a rejection); the signal's
 * reason when `request.signal` aborts.
 * @example
 * ```ts ignore
 * import { countedSend } from "./counted_send.ts";
 * const response = await countedSend(request, bytes, (n) => console.log(n));
 * ```
 */
export async function countedSend(
  request: Request,
  body: Uint8Array,
  onSent: (sentBytes: number) => void,
): Promise<Response> {
  const response = await fetch(
    new Request(request, { body: body as BodyInit }),
  );
  onSent(body.length);
  return response;
}
