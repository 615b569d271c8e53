/**
 * POST `Upload-Concat: final;…`: the concatenation extension's last step.
 *
 * @module
 */
import { TUS_VERSION } from "../protocol/headers.ts";
import { TusCommunicationError } from "../errors.ts";
import { sendTusRequest, type Transport, withoutQuery } from "./transport.ts";
import { resolveLocation } from "./upload_url.ts";

/** What the final upload needs. */
export interface FinalUploadRequest {
  readonly endpoint: string;
  /** The finished partial uploads, in order. */
  readonly partUrls: readonly string[];
  /** The encoded `Upload-Metadata`: it belongs on the final upload. */
  readonly metadata: string | null;
  readonly signal?: AbortSignal;
}

/**
 * Creates the final upload joining `partUrls`; it carries no
 * `Upload-Length` (the server adds up the parts).
 *
 * @returns The final upload's URL.
 * @throws {TusCommunicationError} when the request fails or `Location` is
 * missing.
 */
export async function createFinalUpload(
  transport: Transport,
  request: FinalUploadRequest,
): Promise<string> {
  const headers: Record<string, string> = {
    "Tus-Resumable": TUS_VERSION,
    "Upload-Concat": `final;${
      request.partUrls.map(sameOriginPath(request.endpoint)).join(" ")
    }`,
  };
  if (request.metadata !== null) headers["Upload-Metadata"] = request.metadata;
  const response = await sendTusRequest(transport, {
    method: "POST",
    url: request.endpoint,
    action: "create the final upload",
    headers,
    signal: request.signal,
  });
  const location = response.headers.get("Location");
  if (!location) {
    throw new TusCommunicationError(
      `Cannot create the final upload: server answered ${response.status} without a Location header (POST ${
        withoutQuery(request.endpoint)
      })`,
      { statusCode: response.status },
    );
  }
  return resolveLocation(location, request.endpoint);
}

/** Parts on the endpoint's origin are named by path, as the spec shows. */
function sameOriginPath(endpoint: string): (url: string) => string {
  const origin = new URL(endpoint).origin;
  return (url) => {
    const parsed = new URL(url);
    return parsed.origin === origin ? parsed.pathname + parsed.search : url;
  };
}
