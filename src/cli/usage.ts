/**
 * The help texts of `tusflow --help` and `tusflow <command> --help`.
 *
 * @module
 */
import type { CommandName } from "./args.ts";

const CONNECTION_OPTIONS =
  `  -H, --header "Name: value"  add a header to every request (repeatable)
      --timeout <duration>    per request: 30, 1.5s, 500ms, 2m (default 30s)
      --protocol <name>       tus-v1 or ietf-draft (default tus-v1)
  -q, --quiet                 no progress, no notes: only errors
  -v, --verbose               log each request and response on stderr
                              (also TUSFLOW_DEBUG=1)`;

const TRANSFER_OPTIONS =
  `  -c, --chunk-size <size>     bytes per PATCH: 1048576, 1MiB, 8M (default 1MiB)
      --retries <n>           retries per chunk (default 3)
      --retry-delay <duration>
                              first wait, doubled each retry (default 1s)
      --checksum <algorithm>  sha1, sha256, sha512 or none (default: what
                              the server offers)
${CONNECTION_OPTIONS}`;

/** The overview: `tusflow --help`. */
export const USAGE: string = `tusflow: resumable uploads with the tus protocol

Usage:
  tusflow upload <file>... -e <endpoint> [options]
  tusflow resume <file> --url <uploadUrl> [options]
  tusflow info <uploadUrl>
  tusflow delete <uploadUrl>
  tusflow server-info <endpoint>
  tusflow stored [--clear | --remove <key>] [--storage <path>]
  tusflow serve [--port <n>] [--dir <path>] [options]
  tusflow <command> --help
  tusflow --version

Commands:
  upload       create uploads and send files (- for stdin); prints
               "<file><TAB><url>" per file
  resume       continue an upload from the offset the server holds
  info         show an upload's offset, length and metadata (JSON)
  delete       terminate an upload
  server-info  show what a tus server supports (JSON)
  stored       list or forget the URLs that --store-url remembered
  serve        run a local tus test server until Ctrl-C

Progress, retries and messages go to stderr, results to stdout. When an
upload stops (failure or Ctrl-C) once its URL exists, the URL still goes to
stdout and stderr says "Resume with: tusflow resume <file> --url <url>".
Exit codes: 0 done, 1 failed, 2 bad arguments (nothing sent), 130
interrupted.
`;

const COMMAND_USAGE: Record<CommandName, string> = {
  upload: `Usage: tusflow upload <file>... -e <endpoint> [options]

Creates an upload per file at <endpoint> (the creation endpoint), sends
it, and prints "<file><TAB><url>" on stdout for each. "-" reads stdin, sent
as a stream of unknown length. Exits 0 only if every file was sent.

Options:
  -e, --endpoint <url>        the server's creation endpoint (required)
  -m, --metadata key=value    add Upload-Metadata (repeatable; filename is
                              added)
  -j, --jobs <n>              files sent at the same time (default 1)
      --parallel <n>          split each file into n partial uploads joined
                              by concatenation
      --store-url             remember each URL by the file's fingerprint,
                              so that uploading it again resumes it
      --storage <path>        where --store-url remembers
                              (default .tus_urls.json)
${TRANSFER_OPTIONS}
`,
  resume: `Usage: tusflow resume <file> --url <uploadUrl> [options]

Asks the server how much of <uploadUrl> it holds and sends the rest of
<file> ("-": stdin, the same data again). Prints "<file><TAB><url>".

Options:
      --url <uploadUrl>       the upload to continue (required)
${TRANSFER_OPTIONS}
`,
  info: `Usage: tusflow info <uploadUrl> [options]

Prints what the server holds of an upload, as JSON: offset, length,
complete, metadata, expiresAt.

Options:
${CONNECTION_OPTIONS}
`,
  delete: `Usage: tusflow delete <uploadUrl> [options]

Terminates an upload (termination extension). An upload the server does not
know counts as deleted.

Options:
${CONNECTION_OPTIONS}
`,
  "server-info": `Usage: tusflow server-info <endpoint> [options]

Prints the server's capabilities from OPTIONS, as JSON: version, versions,
extensions, maxSize, checksumAlgorithms.

Options:
${CONNECTION_OPTIONS}
`,
  stored: `Usage: tusflow stored [--clear | --remove <key>] [--storage <path>]

Lists the URLs that "upload --store-url" remembered, one "<key><TAB><url>"
per line on stdout (the key is <fingerprint>::<endpoint>).

Options:
      --storage <path>        the URL storage file (default .tus_urls.json)
      --clear                 forget every stored URL
      --remove <key>          forget one
`,
  serve: `Usage: tusflow serve [options]

Runs the tusflow test server (tus 1.0.0, every extension) and prints its
creation endpoint on stdout. Uploads live in memory unless --dir says.
Ctrl-C or SIGTERM stops it. tusd's spellings work too: -port 8080,
-host 0.0.0.0, -upload-dir ./data, -base-path /files/, -max-size 1G.

Options:
  -p, --port <n>              port to listen on; 0 picks a free one
                              (default 1080)
      --host <address>        interface to listen on (default 127.0.0.1)
  -d, --dir <path>            keep uploads in files in this directory
      --base-path <path>      path of the creation endpoint (default /files/)
      --max-size <size>       largest upload accepted (Tus-Max-Size)
      --expires <duration>    unfinished uploads expire after this: 30m, 24h
  -v, --verbose               log each request handled on stderr
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
