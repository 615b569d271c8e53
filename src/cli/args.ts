/**
 * The command line, parsed with `node:util` `parseArgs` (Deno, Bun and Node
 * share it) and checked before anything is sent: every problem is a
 * {@linkcode UsageError} (exit 2) in one line naming the flag.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { COMMAND_OPTIONS, type OptionSpec, TUSD_ALIASES } from "./flags.ts";
import {
  parseChecksum,
  parseCount,
  parseDuration,
  parseHeader,
  parseMetadata,
  parsePort,
  parseProtocol,
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
  "stored",
] as const;

/** One of {@linkcode COMMANDS}. */
export type CommandName = typeof COMMANDS[number];

/** The wire protocol a client speaks. */
export type Protocol = "tus-v1" | "ietf-draft";

/** How much the CLI says on stderr. */
export interface Verbosity {
  /** `-q`: no progress and no notes, only errors and resume hints. */
  readonly quiet: boolean;
  /** `-v` (or `TUSFLOW_DEBUG=1`): every request and response. */
  readonly verbose: boolean;
}

/** What every command that talks to a server shares. */
export interface ConnectionSettings extends Verbosity {
  readonly headers: Record<string, string>;
  readonly timeoutMs: number | undefined;
  readonly protocol: Protocol | undefined;
}

/** What `upload` and `resume` share. */
export interface TransferSettings extends ConnectionSettings {
  readonly chunkSize: number | undefined;
  readonly retries: number | undefined;
  readonly retryDelayMs: number | undefined;
  readonly checksum: boolean | "sha1" | "sha256" | "sha512" | undefined;
}

/** A parsed command line. */
export type Command =
  | { readonly kind: "help"; readonly topic: CommandName | null }
  | { readonly kind: "version" }
  | {
    readonly kind: "upload";
    /** Paths, `-` for stdin. */
    readonly files: readonly string[];
    readonly endpoint: string;
    readonly transfer: TransferSettings;
    readonly parallel: number | undefined;
    readonly jobs: number;
    readonly metadata: Record<string, string>;
    /** The URL storage file with `--store-url`, else `null`. */
    readonly urlStorage: string | null;
  }
  | {
    readonly kind: "resume";
    /** A path, or `-` for stdin. */
    readonly file: string;
    readonly url: string;
    readonly transfer: TransferSettings;
  }
  | {
    readonly kind: "info" | "delete" | "server-info";
    readonly url: string;
    readonly connection: ConnectionSettings;
  }
  | {
    readonly kind: "serve";
    readonly port: number;
    readonly host: string;
    /** Keep uploads in this directory, else in memory. */
    readonly dir: string | null;
    readonly basePath: string;
    readonly maxSize: number | null;
    readonly expiresInMs: number | null;
    readonly verbose: boolean;
  }
  | {
    readonly kind: "stored";
    readonly storage: string;
    readonly action:
      | { readonly kind: "list" }
      | { readonly kind: "clear" }
      | { readonly kind: "remove"; readonly key: string };
  };

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

/** Where `--store-url` and `stored` keep URLs unless `--storage` says. */
export const DEFAULT_URL_STORAGE = ".tus_urls.json";
/** The port `serve` listens on unless `--port` says (tusd's). */
export const DEFAULT_PORT = 1080;

/** Options by long name, as given (booleans as `""`). */
type Values = Map<string, string[]>;

/**
 * Parses `args` (without the program name).
 *
 * @param args The command line, e.g. `["upload", "a.bin", "-e", url]`.
 * @param env The environment: `TUSFLOW_DEBUG=1` turns on `-v`.
 * @returns The command to run.
 * @throws {UsageError} For anything that cannot run, before any request.
 */
export function parseCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): Command {
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
  const { values, positionals } = scan(command, rest);
  if (values.has("help")) return { kind: "help", topic: command };
  if (env.TUSFLOW_DEBUG === "1" && COMMAND_OPTIONS[command].verbose) {
    values.set("verbose", [""]);
  }
  return build(command, values, positionals);
}

function commandNamed(name: string): CommandName {
  const found = COMMANDS.find((c) => c === name);
  if (found) return found;
  const what = name.startsWith("-") ? "option" : "command";
  throw new UsageError(null, `unknown ${what} ${JSON.stringify(name)}`);
}

/**
 * tusd's single-dash long options (`-port 8080`) become `--port` for
 * `serve`; elsewhere they are refused with the spelling that works, rather
 * than read as a group of short flags.
 */
function respell(command: CommandName, args: readonly string[]): string[] {
  const specs = COMMAND_OPTIONS[command];
  const out: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg === "--") return [...out, ...args.slice(i)];
    const match = /^-([a-z][a-z-]+)(=.*)?$/s.exec(arg);
    const name = match ? TUSD_ALIASES[match[1]!] ?? match[1]! : null;
    if (match && name !== null && Object.hasOwn(specs, name)) {
      if (command !== "serve") {
        throw new UsageError(
          command,
          `unknown option ${
            JSON.stringify(`-${match[1]}`)
          }: long options take two dashes, --${name}`,
        );
      }
      out.push(`--${name}${match[2] ?? ""}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

function scan(
  command: CommandName,
  rawArgs: readonly string[],
): { values: Values; positionals: string[] } {
  const specs = COMMAND_OPTIONS[command];
  const args = respell(command, rawArgs);
  const options: Record<string, OptionSpec> = { ...specs };
  const { tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Values = new Map();
  const positionals: string[] = [];
  const fail = (problem: string) => new UsageError(command, problem);
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : null;
    const flag = token.rawName;
    if (!spec) throw fail(`unknown option ${JSON.stringify(flag)}`);
    const long = `--${token.name}`;
    let value = token.value;
    if (spec.type === "boolean") {
      if (token.inlineValue) throw fail(`${long} takes no value`);
      value = "";
    } else if (
      value === undefined || (!token.inlineValue && /^--./.test(value))
    ) {
      throw fail(`${long} needs a value`);
    }
    const list = values.get(token.name) ?? [];
    if (list.length && !spec.multiple && spec.type !== "boolean") {
      throw fail(`${long} is given more than once`);
    }
    values.set(token.name, [...list, value]);
  }
  return { values, positionals };
}

function build(
  command: CommandName,
  values: Values,
  positionals: readonly string[],
): Command {
  const one = (name: string) => values.get(name)?.[0];
  const has = (name: string) => values.has(name);
  const fail = (problem: string) => new UsageError(command, problem);
  const checked = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw fail(error instanceof Error ? error.message : String(error));
    }
  };
  const required = (name: string) => {
    const value = one(name);
    if (value === undefined) throw fail(`--${name} is missing`);
    return value;
  };
  const optional = <T>(name: string, parse: (text: string) => T) => {
    const value = one(name);
    return value === undefined ? undefined : checked(() => parse(value));
  };
  const positional = (what: string, count: "one" | "some" | "none") => {
    if (count === "none") {
      if (positionals.length) {
        throw fail(`unexpected argument ${JSON.stringify(positionals[0])}`);
      }
      return [];
    }
    if (positionals.length === 0) throw fail(`${what} is missing`);
    if (count === "one" && positionals.length !== 1) {
      throw fail(`expected one ${what}, got ${positionals.length} arguments`);
    }
    return positionals;
  };
  const verbosity = (): Verbosity => {
    // Both may be given: -q drops progress, -v adds the request log.
    return { quiet: has("quiet"), verbose: has("verbose") };
  };
  const connection = (): ConnectionSettings => ({
    ...verbosity(),
    headers: checked(() =>
      Object.fromEntries((values.get("header") ?? []).map(parseHeader))
    ),
    timeoutMs: optional("timeout", (t) => parseDuration("--timeout", t)),
    protocol: optional("protocol", parseProtocol),
  });
  const transfer = (): TransferSettings => ({
    ...connection(),
    chunkSize: optional("chunk-size", (t) => parseSize("--chunk-size", t)),
    retries: optional("retries", (t) => parseCount("--retries", t, 0)),
    retryDelayMs: optional(
      "retry-delay",
      (t) => parseDuration("--retry-delay", t, 0),
    ),
    checksum: optional("checksum", parseChecksum),
  });
  switch (command) {
    case "upload": {
      const files = positional("<file>", "some");
      if (files.filter((f) => f === "-").length > 1) {
        throw fail("- (stdin) can be given once");
      }
      const endpoint = required("endpoint");
      const storeUrl = has("store-url");
      const storage = one("storage") ?? one("url-storage");
      if (storage !== undefined && !storeUrl) {
        throw fail("--storage needs --store-url");
      }
      if (storage === "") throw fail("--storage needs a file path");
      return {
        kind: command,
        files,
        endpoint: checked(() => parseUrl("--endpoint", endpoint)),
        transfer: transfer(),
        parallel: optional("parallel", (t) => parseCount("--parallel", t, 1)),
        jobs: optional("jobs", (t) => parseCount("--jobs", t, 1)) ?? 1,
        metadata: checked(() => parseMetadata(values.get("metadata") ?? [])),
        urlStorage: storeUrl ? storage ?? DEFAULT_URL_STORAGE : null,
      };
    }
    case "resume": {
      const [file] = positional("<file>", "one");
      const url = required("url");
      return {
        kind: command,
        file: file!,
        url: checked(() => parseUrl("--url", url)),
        transfer: transfer(),
      };
    }
    case "info":
    case "delete":
    case "server-info": {
      const what = command === "server-info" ? "<endpoint>" : "<uploadUrl>";
      const [text] = positional(what, "one");
      const url = checked(() => parseUrl(what, text!));
      return { kind: command, url, connection: connection() };
    }
    case "serve": {
      positional("", "none");
      const host = one("host") ?? "127.0.0.1";
      if (host === "") throw fail("--host needs a host name or address");
      const dir = one("dir") ?? null;
      if (dir === "") throw fail("--dir needs a directory path");
      const basePath = one("base-path") ?? "/files/";
      if (!basePath.startsWith("/")) {
        throw fail(
          `--base-path must start with / (got ${JSON.stringify(basePath)})`,
        );
      }
      return {
        kind: command,
        port: optional("port", parsePort) ?? DEFAULT_PORT,
        host,
        dir,
        basePath,
        maxSize: optional("max-size", (t) => parseSize("--max-size", t)) ??
          null,
        expiresInMs:
          optional("expires", (t) => parseDuration("--expires", t)) ??
            null,
        verbose: has("verbose"),
      };
    }
    case "stored": {
      positional("", "none");
      const storage = one("storage") ?? DEFAULT_URL_STORAGE;
      if (storage === "") throw fail("--storage needs a file path");
      const remove = one("remove");
      if (has("clear") && remove !== undefined) {
        throw fail("--clear and --remove exclude each other");
      }
      if (remove === "") throw fail("--remove needs a key");
      return {
        kind: command,
        storage,
        action: has("clear")
          ? { kind: "clear" }
          : remove !== undefined
          ? { kind: "remove", key: remove }
          : { kind: "list" },
      };
    }
  }
}
