/**
 * The options each command takes, in the shape `node:util` `parseArgs`
 * reads, with the short flags people expect from curl and tusd.
 *
 * @module
 */
import type { CommandName } from "./args.ts";

/** One option: a `parseArgs` option config. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
}

const string = (short?: string): OptionSpec =>
  short ? { type: "string", short } : { type: "string" };
const flag = (short?: string): OptionSpec =>
  short ? { type: "boolean", short } : { type: "boolean" };
const repeated = (short: string): OptionSpec => ({
  type: "string",
  short,
  multiple: true,
});

const HELP = { help: flag("h") };
const CONNECTION = {
  ...HELP,
  header: repeated("H"),
  timeout: string(),
  protocol: string(),
  quiet: flag("q"),
  verbose: flag("v"),
};
const TRANSFER = {
  ...CONNECTION,
  "chunk-size": string("c"),
  retries: string(),
  "retry-delay": string(),
  checksum: string(),
};

/** Every command's options, by long name. */
export const COMMAND_OPTIONS: Readonly<
  Record<CommandName, Readonly<Record<string, OptionSpec>>>
> = {
  upload: {
    ...TRANSFER,
    endpoint: string("e"),
    metadata: repeated("m"),
    parallel: string(),
    jobs: string("j"),
    "store-url": flag(),
    storage: string(),
    // The first round's name for --storage.
    "url-storage": string(),
  },
  resume: { ...TRANSFER, url: string() },
  info: CONNECTION,
  delete: CONNECTION,
  "server-info": CONNECTION,
  serve: {
    ...HELP,
    port: string("p"),
    host: string(),
    dir: string("d"),
    "base-path": string(),
    "max-size": string(),
    expires: string(),
    verbose: flag("v"),
  },
  stored: { ...HELP, storage: string(), clear: flag(), remove: string() },
};

/** tusd's flag names that mean one of ours (`-upload-dir` is `--dir`). */
export const TUSD_ALIASES: Readonly<Record<string, string>> = {
  "upload-dir": "dir",
  "max-size": "max-size",
  "base-path": "base-path",
};
