/**
 * DELETE: the termination extension.
 *
 * @module
 */
import { TUS_VERSION } from "../protocol/headers.ts";
import { sendTusRequest, type Transport } from "./transport.ts";

/**
 * Terminates an upload; 404 and 410 count as already deleted.
 *
 * @throws {TusCommunicationError} on any other failure.
 */
export async function deleteUpload(
  transport: Transport,
  url: string,
  signal?: AbortSignal,
): Promise<void> {
  await sendTusRequest(transport, {
    method: "DELETE",
    url,
    action: "delete upload",
    headers: { "Tus-Resumable": TUS_VERSION },
    signal,
    acceptStatus: [404, 410],
  });
}
