/**
 * `tusflow stored`: what `--store-url` remembered, and forgetting it.
 *
 * @module
 */
import { FileUrlStorage } from "../../mod.ts";
import type { Command } from "./args.ts";
import type { ResolvedIo } from "./io.ts";

/**
 * Lists the stored URLs as `<key>\t<url>` lines on stdout, or with
 * `--clear` forgets every one, or with `--remove <key>` one.
 *
 * @returns The exit code: 0, or 1 when `--remove` names no stored key.
 * @throws {Error} When the storage file cannot be read or written.
 */
export async function runStored(
  command: Extract<Command, { kind: "stored" }>,
  io: ResolvedIo,
): Promise<number> {
  const storage = new FileUrlStorage(command.storage);
  const entries = await storage.listUrls();
  const { action } = command;
  switch (action.kind) {
    case "list":
      for (const { key, url } of entries) io.stdout.write(`${key}\t${url}\n`);
      io.stderr.write(
        `${entries.length} stored URL${
          entries.length === 1 ? "" : "s"
        } in ${command.storage}\n`,
      );
      return 0;
    case "clear":
      for (const { key } of entries) await storage.removeUrl(key);
      io.stderr.write(
        `Forgot ${entries.length} URL${
          entries.length === 1 ? "" : "s"
        } in ${command.storage}\n`,
      );
      return 0;
    case "remove":
      if (!entries.some((entry) => entry.key === action.key)) {
        io.stderr.write(
          `Cannot remove ${
            JSON.stringify(action.key)
          }: no such key in ${command.storage}\n`,
        );
        return 1;
      }
      await storage.removeUrl(action.key);
      io.stderr.write(`Forgot ${action.key}\n`);
      return 0;
  }
}
