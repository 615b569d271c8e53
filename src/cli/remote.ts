/**
 * `tusflow info`, `tusflow delete` and `tusflow server-info`: one request
 * each, results as JSON on stdout.
 *
 * @module
 */
import { TusClient, type TusClientOptions } from "../../mod.ts";
import type { Command } from "./args.ts";
import type { ResolvedIo } from "./io.ts";
import { formatLogEvent, type TusLogEvent } from "./request_log.ts";

type RemoteCommand = Extract<
  Command,
  { kind: "info" | "delete" | "server-info" }
>;

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Runs `info`, `delete` or `server-info`.
 *
 * @returns The exit code, 0.
 * @throws {TusCommunicationError} When the server cannot be asked.
 */
export async function runRemote(
  command: RemoteCommand,
  io: ResolvedIo,
): Promise<number> {
  // The URL is the upload's (or the endpoint, for server-info); the client
  // only creates uploads at its own URL, which these commands never do.
  const { connection } = command;
  const options: TusClientOptions & {
    logger?: (event: TusLogEvent) => void;
    protocol?: "tus-v1" | "ietf-draft";
  } = {
    headers: connection.headers,
    ...(connection.timeoutMs === undefined
      ? {}
      : { timeout: connection.timeoutMs }),
    ...(connection.protocol === undefined
      ? {}
      : { protocol: connection.protocol }),
    ...(connection.verbose
      ? {
        logger: (event: TusLogEvent) =>
          io.stderr.write(`${formatLogEvent(event)}\n`),
      }
      : {}),
  };
  const client = new TusClient(command.url, options);
  const signal = io.signal;
  switch (command.kind) {
    case "info": {
      const info = await client.getUploadInfo(command.url, { signal });
      io.stdout.write(json({
        offset: info.offset,
        length: info.length,
        complete: info.complete,
        metadata: info.metadata,
        expiresAt: info.expiresAt?.toISOString() ?? null,
      }));
      return 0;
    }
    case "delete":
      await client.deleteUpload(command.url, { signal });
      if (!connection.quiet) io.stderr.write(`Deleted ${command.url}\n`);
      return 0;
    case "server-info":
      io.stdout.write(json(await client.getServerInfo({ signal })));
      return 0;
  }
}
