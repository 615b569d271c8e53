/**
 * The help texts of `tusflow --help` and `tusflow <command> --help`.
 *
 * @module
 */
import type { CommandName } from "./args.ts";

const TRANSFER_OPTIONS =
  `  --chunk-size <size>    bytes per PATCH: 1048576, 1MiB, 8M… (default 1MiB)
  --header "Name: value" add a header to every request (repeatable)
  --retries <n>          retries per chunk (default 3)
  --checksum <algorithm> sha1, sha256, sha512 or none (default sha1)`;

/** The overview: `tusflow --help`. */
export const USAGE: string = `tusflow: resumable uploads with the tus protocol

Usage:
  tusflow upload <file> --endpoint <url> [options]
  tusflow resume <file> --url <uploadUrl> [options]
  tusflow info <uploadUrl>
  tusflow delete <uploadUrl>
  tusflow server-info <endpoint>
  tusflow serve [--port <n>] [--host <address>]
  tusflow <command> --help
  tusflow --version

Commands:
  upload       create an upload and send a file; prints its URL
  resume       continue an upload from the offset the server holds
  info         show an upload's offset, length and metadata (JSON)
  delete       terminate an upload
  server-info  show what a tus server supports (JSON)
  serve        run a local tus test server until Ctrl-C

Progress goes to stderr, results to stdout. Ctrl-C during an upload stops
it and prints its URL for \`tusflow resume\`.
Exit codes: 0 done, 1 failed, 2 bad arguments, 130 interrupted.
`;

const COMMAND_USAGE: Record<CommandName, string> = {
  upload: `Usage: tusflow upload <file> --endpoint <url> [options]

Creates an upload at <url> (the creation endpoint), sends <file> and prints
the upload URL on stdout. Progress goes to stderr.

Options:
  --endpoint <url>       the server's creation endpoint (required)
${TRANSFER_OPTIONS}
  --parallel <n>         split into n partial uploads joined by concatenation
  --metadata key=value   add Upload-Metadata (repeatable; filename is added)
  --store-url            remember the URL by the file's fingerprint, so that
                         uploading the same file again resumes it
  --url-storage <path>   where --store-url remembers (default .tus_urls.json)
`,
  resume: `Usage: tusflow resume <file> --url <uploadUrl> [options]

Asks the server how much of <uploadUrl> it holds and sends the rest of
<file>. Prints the upload URL on stdout.

Options:
  --url <uploadUrl>      the upload to continue (required)
${TRANSFER_OPTIONS}
`,
  info: `Usage: tusflow info <uploadUrl> [--header "Name: value"]…

Prints what the server holds of an upload, as JSON: offset, length,
complete, metadata, expiresAt.
`,
  delete: `Usage: tusflow delete <uploadUrl> [--header "Name: value"]…

Terminates an upload (termination extension). An upload the server does not
know counts as deleted.
`,
  "server-info":
    `Usage: tusflow server-info <endpoint> [--header "Name: value"]…

Prints the server's capabilities from OPTIONS, as JSON: version, versions,
extensions, maxSize, checksumAlgorithms.
`,
  serve: `Usage: tusflow serve [--port <n>] [--host <address>]

Runs the tusflow test server (tus 1.0.0, every extension, in memory) and
prints its creation endpoint on stdout. Ctrl-C or SIGTERM stops it.

Options:
  --port <n>             port to listen on; 0 picks a free one (default 1080)
  --host <address>       interface to listen on (default 127.0.0.1)
`,
};

/**
 * The help for one command, or the overview.
 *
 * @param topic The command, or `null` for the overview.
 * @returns The text, ending with a line break.
 */
export function usageOf(topic: CommandName | null): string {
  return topic === null ? USAGE : COMMAND_USAGE[topic];
}
