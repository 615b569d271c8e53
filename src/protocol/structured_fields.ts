/**
 * Strict parsing and serialising of HTTP Structured Field Values (RFC 9651):
 * items, lists and dictionaries with parameters, every bare item type. The
 * resumable-upload draft declares `Upload-Offset`, `Upload-Length`,
 * `Upload-Complete` and `Upload-Draft-Interop-Version` as Items and
 * `Upload-Limit` as a Dictionary; a parse that fails means the whole field is
 * ignored (RFC 9651 section 4.2), so every parser here throws on any input the
 * RFC rejects instead of guessing.
 *
 * @module
 */

/** One bare item, tagged with its RFC 9651 type. */
export type BareItem =
  | { readonly type: "integer"; readonly value: number }
  | { readonly type: "decimal"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "token"; readonly value: string }
  | { readonly type: "binary"; readonly value: Uint8Array }
  | { readonly type: "boolean"; readonly value: boolean }
  | { readonly type: "date"; readonly value: number }
  | { readonly type: "displaystring"; readonly value: string };

/** Parameters of an item or inner list, in order; a repeated key keeps its first place and its last value. */
export type SfParameters = Map<string, BareItem>;

/** An item: a bare item and its parameters. */
export interface SfItem {
  readonly value: BareItem;
  readonly params: SfParameters;
}

/** An inner list: items in parentheses, with parameters of its own. */
export interface SfInnerList {
  readonly items: readonly SfItem[];
  readonly params: SfParameters;
}

/** A list member or dictionary value. */
export type SfMember = SfItem | SfInnerList;

/** A dictionary: keys to members, in order. */
export type SfDictionary = Map<string, SfMember>;

export {
  serializeDictionary,
  serializeItem,
  serializeList,
} from "./_structured_fields_serialize.ts";

const DIGIT = /[0-9]/;
const LCALPHA = /[a-z]/;
const KEY_CHAR = /[a-z0-9_.*-]/;
const TOKEN_START = /[A-Za-z*]/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const LOWER_HEX = /^[0-9a-f]{2}$/;

class Input {
  pos = 0;
  constructor(readonly text: string) {}
  get rest(): boolean {
    return this.pos < this.text.length;
  }
  peek(): string {
    return this.text.charAt(this.pos);
  }
  next(): string {
    return this.text.charAt(this.pos++);
  }
  skipSp(): void {
    while (this.peek() === " ") this.pos++;
  }
  skipOws(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  fail(what: string): never {
    throw new SyntaxError(
      `Cannot parse structured field: ${what} at offset ${this.pos}`,
    );
  }
}

function whole<T>(text: string, read: (input: Input) => T): T {
  if (typeof text !== "string") {
    throw new TypeError("Cannot parse structured field: not a string");
  }
  const input = new Input(text);
  input.skipSp();
  const value = read(input);
  input.skipSp();
  if (input.rest) input.fail("unexpected character");
  return value;
}

/**
 * Parses an Item field value (RFC 9651 section 4.2.3).
 *
 * @param text The field value (lines already joined with `, `).
 * @returns The item.
 * @throws {SyntaxError} When the value is not a valid Item.
 * @example Reading Upload-Offset
 * ```ts
 * import { parseItem } from "./structured_fields.ts";
 * console.log(parseItem("42").value); // { type: "integer", value: 42 }
 * ```
 */
export function parseItem(text: string): SfItem {
  return whole(text, readItem);
}

/**
 * Parses a Dictionary field value (RFC 9651 section 4.2.2). An empty value is
 * an empty dictionary; a repeated key keeps its last value.
 *
 * @param text The field value (lines already joined with `, `).
 * @returns The dictionary.
 * @throws {SyntaxError} When the value is not a valid Dictionary.
 * @example Reading Upload-Limit
 * ```ts
 * import { parseDictionary } from "./structured_fields.ts";
 * const limits = parseDictionary("max-size=1000, max-age=60");
 * console.log([...limits.keys()]); // ["max-size", "max-age"]
 * ```
 */
export function parseDictionary(text: string): SfDictionary {
  return whole(text, (input) => {
    const dictionary: SfDictionary = new Map();
    readMembers(input, () => {
      const key = readKey(input);
      if (input.peek() === "=") {
        input.pos++;
        dictionary.set(key, readMember(input));
      } else {
        const params = readParams(input);
        dictionary.set(key, {
          value: { type: "boolean", value: true },
          params,
        });
      }
    });
    return dictionary;
  });
}

/**
 * Parses a List field value (RFC 9651 section 4.2.1).
 *
 * @param text The field value (lines already joined with `, `).
 * @returns The members in order.
 * @throws {SyntaxError} When the value is not a valid List.
 * @example A list of tokens
 * ```ts
 * import { parseList } from "./structured_fields.ts";
 * console.log(parseList("a, b").length); // 2
 * ```
 */
export function parseList(text: string): SfMember[] {
  return whole(text, (input) => {
    const members: SfMember[] = [];
    readMembers(input, () => members.push(readMember(input)));
    return members;
  });
}

function readMembers(input: Input, readOne: () => void): void {
  while (input.rest) {
    readOne();
    input.skipOws();
    if (!input.rest) return;
    if (input.next() !== ",") input.fail("expected a comma");
    input.skipOws();
    if (!input.rest) input.fail("trailing comma");
  }
}

function readMember(input: Input): SfMember {
  return input.peek() === "(" ? readInnerList(input) : readItem(input);
}

function readInnerList(input: Input): SfInnerList {
  input.pos++;
  const items: SfItem[] = [];
  while (input.rest) {
    input.skipSp();
    if (input.peek() === ")") {
      input.pos++;
      return { items, params: readParams(input) };
    }
    items.push(readItem(input));
    const after = input.peek();
    if (after !== " " && after !== ")") input.fail("expected a space or )");
  }
  return input.fail("unterminated inner list");
}

function readItem(input: Input): SfItem {
  const value = readBareItem(input);
  return { value, params: readParams(input) };
}

function readParams(input: Input): SfParameters {
  const params: SfParameters = new Map();
  while (input.peek() === ";") {
    input.pos++;
    input.skipSp();
    const key = readKey(input);
    let value: BareItem = { type: "boolean", value: true };
    if (input.peek() === "=") {
      input.pos++;
      value = readBareItem(input);
    }
    params.set(key, value);
  }
  return params;
}

function readKey(input: Input): string {
  const first = input.peek();
  if (!LCALPHA.test(first) && first !== "*") input.fail("expected a key");
  const start = input.pos;
  while (input.rest && KEY_CHAR.test(input.peek())) input.pos++;
  return input.text.slice(start, input.pos);
}

function readBareItem(input: Input): BareItem {
  const c = input.peek();
  if (c === "-" || DIGIT.test(c)) return readNumber(input);
  if (c === '"') return { type: "string", value: readString(input) };
  if (c === ":") return { type: "binary", value: readBinary(input) };
  if (c === "?") return { type: "boolean", value: readBoolean(input) };
  if (c === "@") return readDate(input);
  if (c === "%") return readDisplayString(input);
  if (TOKEN_START.test(c)) return { type: "token", value: readToken(input) };
  return input.fail("expected a bare item");
}

function readNumber(input: Input): BareItem {
  let sign = 1;
  if (input.peek() === "-") {
    input.pos++;
    sign = -1;
  }
  if (!DIGIT.test(input.peek())) input.fail("expected a digit");
  let digits = "";
  let decimal = false;
  while (input.rest) {
    const c = input.peek();
    if (DIGIT.test(c)) {
      digits += c;
    } else if (c === "." && !decimal) {
      if (digits.length > 12) input.fail("decimal too long");
      digits += c;
      decimal = true;
    } else {
      break;
    }
    input.pos++;
    if (!decimal && digits.length > 15) input.fail("integer too long");
    if (decimal && digits.length > 16) input.fail("decimal too long");
  }
  if (!decimal) {
    return { type: "integer", value: zeroless(sign * Number(digits)) };
  }
  const fraction = digits.length - digits.indexOf(".") - 1;
  if (fraction === 0 || fraction > 3) {
    input.fail("decimal needs 1 to 3 fractional digits");
  }
  return { type: "decimal", value: zeroless(sign * Number(digits)) };
}

/** `-0` reads as `0`: the RFC's numbers have no negative zero. */
function zeroless(value: number): number {
  return value === 0 ? 0 : value;
}

function readString(input: Input): string {
  input.pos++;
  let out = "";
  while (input.rest) {
    const c = input.next();
    if (c === "\\") {
      const escaped = input.next();
      if (escaped !== '"' && escaped !== "\\") input.fail("bad escape");
      out += escaped;
    } else if (c === '"') {
      return out;
    } else if (c < " " || c > "~") {
      input.fail("character not allowed in a string");
    } else {
      out += c;
    }
  }
  return input.fail("unterminated string");
}

function readToken(input: Input): string {
  const start = input.pos;
  input.pos++;
  while (input.rest && TOKEN_CHAR.test(input.peek())) input.pos++;
  return input.text.slice(start, input.pos);
}

function readBinary(input: Input): Uint8Array {
  input.pos++;
  const end = input.text.indexOf(":", input.pos);
  if (end < 0) input.fail("unterminated byte sequence");
  const encoded = input.text.slice(input.pos, end);
  if (!BASE64.test(encoded)) input.fail("bad base64");
  input.pos = end + 1;
  return decodeBase64(encoded, input);
}

function readBoolean(input: Input): boolean {
  input.pos++;
  const c = input.next();
  if (c === "1") return true;
  if (c === "0") return false;
  return input.fail("expected ?0 or ?1");
}

function readDate(input: Input): BareItem {
  input.pos++;
  const number = readNumber(input);
  if (number.type !== "integer") input.fail("a date must be an integer");
  return { type: "date", value: number.value };
}

function readDisplayString(input: Input): BareItem {
  input.pos++;
  if (input.next() !== '"') input.fail('expected " after %');
  const bytes: number[] = [];
  while (input.rest) {
    const c = input.next();
    if (c < " " || c > "~") input.fail("character not allowed");
    if (c === "%") {
      const hex = input.text.slice(input.pos, input.pos + 2);
      if (!LOWER_HEX.test(hex)) input.fail("bad percent encoding");
      bytes.push(parseInt(hex, 16));
      input.pos += 2;
    } else if (c === '"') {
      try {
        const decoder = new TextDecoder("utf-8", { fatal: true });
        return {
          type: "displaystring",
          value: decoder.decode(new Uint8Array(bytes)),
        };
      } catch {
        return input.fail("display string is not UTF-8");
      }
    } else {
      bytes.push(c.charCodeAt(0));
    }
  }
  return input.fail("unterminated display string");
}

function decodeBase64(encoded: string, input: Input): Uint8Array {
  try {
    const binary = atob(encoded);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return input.fail("bad base64");
  }
}
