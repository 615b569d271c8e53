/**
 * OPTIONS: the server's configuration (tus core), also the answer to CORS
 * preflights.
 *
 * @module
 */
import { empty, type TusState } from "../_context.ts";
import { ALLOWED_HEADERS, TUS_VERSION } from "../_headers.ts";

/**
 * Answers `204 No Content` with `Tus-Version`, `Tus-Extension`,
 * `Tus-Max-Size` and `Tus-Checksum-Algorithm`, plus what a browser's preflight
 * asks for. `Tus-Resumable` in the request is ignored, as the spec requires.
 */
export function handleOptions(state: TusState, request: Request): Response {
  const { config } = state;
  const headers: Record<string, string> = { "Tus-Version": TUS_VERSION };
  if (config.extensions.length > 0) {
    headers["Tus-Extension"] = config.extensions.join(",");
  }
  if (config.maxSize !== null) headers["Tus-Max-Size"] = String(config.maxSize);
  if (config.has("checksum")) {
    headers["Tus-Checksum-Algorithm"] = config.checksumAlgorithms.join(",");
  }
  if (request.headers.has("access-control-request-method")) {
    headers["Access-Control-Allow-Methods"] =
      "POST, HEAD, PATCH, DELETE, OPTIONS";
    headers["Access-Control-Allow-Headers"] =
      request.headers.get("access-control-request-headers") ??
        ALLOWED_HEADERS.join(", ");
    headers["Access-Control-Max-Age"] = "86400";
  }
  return empty(204, headers);
}
