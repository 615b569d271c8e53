/**
 * The command line, parsed and checked before anything is sent: every
 * problem is a {@linkcode UsageError} (exit 2) naming it.
 *
 * @module
 */
import {
  parseChecksum,
  parseCount,
  parseHeader,
  parseMetadata,
  parsePort,
  parseSize,
  parseUrl,
} from "./values.ts";

/** The commands, as typed. */
export const COMMANDS = [
  "upload",
  "resume",
  "info",
  "delete",
  "server-info",
  "serve",
] as const;

/** One of {@linkcode COMMANDS}. */
export type CommandName = typeof COMMANDS[number];

/** What `upload` and `resume` share. */
export interface TransferSettings {
  readonly file: string;
  readonly chunkSize: number | undefined;
  readonly headers: Record<string, string>;
  readonly retries: number | undefined;
  readonly checksum: boolean | "sha1" | "sha256" | "sha512" | undefined;
}

/** A parsed command line. */
export type Command =
  | { readonly kind: "help"; readonly topic: CommandName | null }
  | { readonly kind: "version" }
  | {
    readonly kind: "upload";
    readonly endpoint: string;
    readonly transfer: TransferSettings;
    readonly parallel: number | undefined;
    readonly metadata: Record<string, string>;
    /** The URL storage file with `--store-url`, else `null`. */
    readonly urlStorage: string | null;
  }
  | {
    readonly kind: "resume";
    readonly url: string;
    readonly transfer: TransferSettings;
  }
  | {
    readonly kind: "info" | "delete" | "server-info";
    readonly url: string;
    readonly headers: Record<string, string>;
  }
  | { readonly kind: "serve"; readonly port: number; readonly host: string };

/** A command line that cannot run; `command` picks the help to point at. */
export class UsageError extends Error {
  /** The command being parsed, if known. */
  readonly command: CommandName | null;

  /**
   * @param command The command being parsed, if known.
   * @param problem What is wrong, e.g. "--endpoint is missing".
   */
  constructor(command: CommandName | null, problem: string) {
    super(`Cannot run ${command ?? "tusflow"}: ${problem}`);
    this.name = "UsageError";
    this.command = command;
  }
}

/** Where `upload --store-url` keeps URLs unless `--url-storage` says. */
export const DEFAULT_URL_STORAGE = ".tus_urls.json";
/** The port `serve` listens on unless `--port` says (tusd's). */
export const DEFAULT_PORT = 1080;

const TRANSFER = ["chunk-size", "header", "retries", "checksum"];
const FLAGS = new Set(["store-url"]);
const REPEATABLE = new Set(["metadata", "header"]);
const ALLOWED: Record<CommandName, readonly string[]> = {
  upload: [
    "endpoint",
    ...TRANSFER,
    "parallel",
    "store-url",
    "url-storage",
    "metadata",
  ],
  resume: ["url", ...TRANSFER],
  info: ["header"],
  delete: ["header"],
  "server-info": ["header"],
  serve: ["port", "host"],
};
const POSITIONAL: Record<CommandName, string | null> = {
  upload: "<file>",
  resume: "<file>",
  info: "<uploadUrl>",
  delete: "<uploadUrl>",
  "server-info": "<endpoint>",
  serve: null,
};

interface Scanned {
  readonly positionals: string[];
  readonly values: Map<string, string[]>;
}

/**
 * Parses `args` (without the program name).
 *
 * @param args The command line, e.g. `["upload", "a.bin", "--endpoint", url]`.
 * @returns The command to run.
 * @throws {UsageError} For anything that cannot run, before any request.
 */
export function parseCommandLine(args: readonly string[]): Command {
  const [first, ...rest] = args;
  if (first === undefined) throw new UsageError(null, "no command given");
  if (first === "--help" || first === "-h") {
    return { kind: "help", topic: null };
  }
  if (first === "--version" || first === "-V") return { kind: "version" };
  if (first === "help") {
    const topic = rest[0] ?? null;
    if (topic === null) return { kind: "help", topic: null };
    return { kind: "help", topic: commandNamed(topic) };
  }
  const command = commandNamed(first);
  if (rest.some((a) => a === "--help" || a === "-h")) {
    return { kind: "help", topic: command };
  }
  const scanned = scan(command, rest);
  return build(command, scanned);
}

function commandNamed(name: string): CommandName {
  const found = COMMANDS.find((c) => c === name);
  if (found) return found;
  const what = name.startsWith("-") ? "option" : "command";
  throw new UsageError(null, `unknown ${what} ${JSON.stringify(name)}`);
}

function scan(command: CommandName, args: readonly string[]): Scanned {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (!match || name === undefined || !ALLOWED[command].includes(name)) {
      throw new UsageError(
        command,
        `unknown option ${JSON.stringify(arg.split("=")[0])}`,
      );
    }
    let value = match[2];
    if (FLAGS.has(name)) {
      if (value !== undefined) {
        throw new UsageError(command, `--${name} takes no value`);
      }
      value = "";
    } else if (value === undefined) {
      value = args[++i];
      if (value === undefined) {
        throw new UsageError(command, `--${name} needs a value`);
      }
    }
    const list = values.get(name) ?? [];
    if (list.length && !REPEATABLE.has(name)) {
      throw new UsageError(command, `--${name} is given more than once`);
    }
    values.set(name, [...list, value]);
  }
  const expected = POSITIONAL[command];
  if (expected === null && positionals.length) {
    throw new UsageError(
      command,
      `unexpected argument ${JSON.stringify(positionals[0])}`,
    );
  }
  if (expected !== null && positionals.length !== 1) {
    throw new UsageError(
      command,
      positionals.length
        ? `expected one ${expected}, got ${positionals.length} arguments`
        : `${expected} is missing`,
    );
  }
  return { positionals, values };
}

function build(command: CommandName, scanned: Scanned): Command {
  const { values } = scanned;
  const positional = scanned.positionals[0] ?? "";
  const one = (name: string) => values.get(name)?.[0];
  const fail = (problem: string) => new UsageError(command, problem);
  const required = (name: string) => {
    const value = one(name);
    if (value === undefined) throw fail(`--${name} is missing`);
    return value;
  };
  const checked = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw fail(error instanceof Error ? error.message : String(error));
    }
  };
  const headers = () =>
    checked(() =>
      Object.fromEntries((values.get("header") ?? []).map(parseHeader))
    );
  const optional = <T>(name: string, parse: (text: string) => T) => {
    const value = one(name);
    return value === undefined ? undefined : checked(() => parse(value));
  };
  switch (command) {
    case "upload":
    case "resume": {
      const transfer: TransferSettings = {
        file: positional,
        chunkSize: optional("chunk-size", (t) => parseSize("--chunk-size", t)),
        headers: headers(),
        retries: optional("retries", (t) => parseCount("--retries", t, 0)),
        checksum: optional("checksum", parseChecksum),
      };
      if (command === "resume") {
        const url = required("url");
        return {
          kind: command,
          url: checked(() => parseUrl("--url", url)),
          transfer,
        };
      }
      const endpoint = required("endpoint");
      const storeUrl = values.has("store-url");
      const storage = one("url-storage");
      if (storage !== undefined && !storeUrl) {
        throw fail("--url-storage needs --store-url");
      }
      if (storage === "") throw fail("--url-storage needs a file path");
      return {
        kind: command,
        endpoint: checked(() => parseUrl("--endpoint", endpoint)),
        transfer,
        parallel: optional("parallel", (t) => parseCount("--parallel", t, 1)),
        metadata: checked(() => parseMetadata(values.get("metadata") ?? [])),
        urlStorage: storeUrl ? storage ?? DEFAULT_URL_STORAGE : null,
      };
    }
    case "info":
    case "delete":
    case "server-info": {
      const what = command === "server-info" ? "<endpoint>" : "<uploadUrl>";
      const url = checked(() => parseUrl(what, positional));
      return { kind: command, url, headers: headers() };
    }
    case "serve": {
      const host = one("host") ?? "127.0.0.1";
      if (host === "") throw fail("--host needs a host name or address");
      const port = optional("port", parsePort) ?? DEFAULT_PORT;
      return { kind: command, port, host };
    }
  }
}
