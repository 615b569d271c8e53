/**
 * Serialising of Structured Field Values (RFC 9651 section 4.1), the
 * counterpart of the parsers in `structured_fields.ts`.
 *
 * @module
 */
import type {
  BareItem,
  SfDictionary,
  SfInnerList,
  SfItem,
  SfMember,
  SfParameters,
} from "./structured_fields.ts";

const MAX_INTEGER = 999_999_999_999_999;
const KEY = /^[a-z*][a-z0-9_.*-]*$/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

function fail(what: string): never {
  throw new TypeError(`Cannot serialise structured field: ${what}`);
}

/**
 * Serialises an Item (RFC 9651 section 4.1.3).
 *
 * @param item The item.
 * @returns The field value.
 * @throws {TypeError} When a value cannot be represented (an integer past 15
 * digits, a string with a control character, an invalid key or token).
 * @example Upload-Complete
 * ```ts
 * import { serializeItem } from "./structured_fields.ts";
 * const item = { value: { type: "boolean", value: true }, params: new Map() } as const;
 * console.log(serializeItem(item)); // "?1"
 * ```
 */
export function serializeItem(item: SfItem): string {
  return bareItem(item.value) + params(item.params);
}

/**
 * Serialises a List (RFC 9651 section 4.1.1).
 *
 * @param members The members in order.
 * @returns The field value.
 * @throws {TypeError} When a value cannot be represented.
 * @example Two integers
 * ```ts
 * import { serializeList } from "./structured_fields.ts";
 * const one = { value: { type: "integer", value: 1 }, params: new Map() } as const;
 * console.log(serializeList([one, one])); // "1, 1"
 * ```
 */
export function serializeList(members: readonly SfMember[]): string {
  return members.map(member).join(", ");
}

/**
 * Serialises a Dictionary (RFC 9651 section 4.1.2). A member whose value is
 * boolean true is written as its bare key.
 *
 * @param dictionary The dictionary.
 * @returns The field value.
 * @throws {TypeError} When a key or value cannot be represented.
 * @example Upload-Limit
 * ```ts
 * import { serializeDictionary } from "./structured_fields.ts";
 * const size = { value: { type: "integer", value: 1000 }, params: new Map() } as const;
 * console.log(serializeDictionary(new Map([["max-size", size]]))); // "max-size=1000"
 * ```
 */
export function serializeDictionary(dictionary: SfDictionary): string {
  const out: string[] = [];
  for (const [name, value] of dictionary) {
    const written = key(name);
    if (
      "value" in value && value.value.type === "boolean" && value.value.value
    ) {
      out.push(written + params(value.params));
    } else {
      out.push(`${written}=${member(value)}`);
    }
  }
  return out.join(", ");
}

function member(value: SfMember): string {
  return "items" in value ? innerList(value) : serializeItem(value);
}

function innerList(list: SfInnerList): string {
  return `(${list.items.map(serializeItem).join(" ")})${params(list.params)}`;
}

function params(parameters: SfParameters): string {
  let out = "";
  for (const [name, value] of parameters) {
    out += `;${key(name)}`;
    if (!(value.type === "boolean" && value.value)) {
      out += `=${bareItem(value)}`;
    }
  }
  return out;
}

function key(name: string): string {
  if (!KEY.test(name)) fail("invalid key");
  return name;
}

function bareItem(item: BareItem): string {
  switch (item.type) {
    case "integer":
      return integer(item.value);
    case "decimal":
      return decimal(item.value);
    case "string":
      if (!PRINTABLE.test(item.value)) {
        fail("string with a disallowed character");
      }
      return `"${item.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case "token":
      if (!TOKEN.test(item.value)) fail("invalid token");
      return item.value;
    case "binary":
      return `:${btoa(binaryString(item.value))}:`;
    case "boolean":
      return item.value ? "?1" : "?0";
    case "date":
      return `@${integer(item.value)}`;
    case "displaystring":
      return `%"${displayString(item.value)}"`;
  }
}

function binaryString(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

function integer(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) > MAX_INTEGER) {
    fail("integer out of range");
  }
  return String(value === 0 ? 0 : value);
}

function decimal(value: number): string {
  if (!Number.isFinite(value)) fail("decimal out of range");
  const rounded = roundHalfEven(value * 1000) / 1000;
  if (Math.abs(Math.trunc(rounded)) > 999_999_999_999) {
    fail("decimal out of range");
  }
  const text = String(Math.abs(rounded)).includes("e")
    ? Math.abs(rounded).toFixed(3)
    : String(Math.abs(rounded));
  const [whole = "0", fraction = "0"] = text.split(".");
  const sign = rounded < 0 ? "-" : "";
  return `${sign}${whole}.${fraction.replace(/0+$/, "") || "0"}`;
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function displayString(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    if (byte === 0x25 || byte === 0x22 || byte < 0x20 || byte > 0x7e) {
      out += `%${byte.toString(16).padStart(2, "0")}`;
    } else {
      out += String.fromCharCode(byte);
    }
  }
  return out;
}
