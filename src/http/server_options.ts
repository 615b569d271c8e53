/**
 * OPTIONS: what the server supports.
 *
 * @module
 */
import type { UploadLimit } from "../protocol/upload_limit.ts";
import { parseStrictInteger } from "../protocol/strict_integer.ts";
import { sendTusRequest, type Transport } from "./transport.ts";

/** The server's capabilities, from its OPTIONS answer. */
export interface ServerInfo {
  /** `Tus-Resumable` of the answer (the version the server prefers). */
  readonly version: string;
  /** `Tus-Version`: every version the server speaks. */
  readonly versions: string[];
  /** `Tus-Extension`. */
  readonly extensions: string[];
  /** `Tus-Max-Size`, or `null` when absent or malformed. */
  readonly maxSize: number | null;
  /** `Tus-Checksum-Algorithm`. */
  readonly checksumAlgorithms: string[];
  /** The draft's `Upload-Limit`; absent for tus, `null` when not announced. */
  readonly limits?: UploadLimit | null;
}

/**
 * Asks the endpoint for its capabilities.
 *
 * @throws {TusCommunicationError} when the request fails.
 */
export async function readServerInfo(
  transport: Transport,
  endpoint: string,
  signal?: AbortSignal,
): Promise<ServerInfo> {
  const { headers } = await sendTusRequest(transport, {
    method: "OPTIONS",
    url: endpoint,
    action: "read server capabilities",
    signal,
  });
  const versions = splitList(headers.get("Tus-Version"));
  return {
    version: headers.get("Tus-Resumable") ?? versions[0] ?? "",
    versions,
    extensions: splitList(headers.get("Tus-Extension")),
    maxSize: parseStrictInteger(headers.get("Tus-Max-Size")),
    checksumAlgorithms: splitList(headers.get("Tus-Checksum-Algorithm")),
  };
}

function splitList(value: string | null): string[] {
  if (!value) return [];
  return value.split(",").map((item) => item.trim()).filter(Boolean);
}
