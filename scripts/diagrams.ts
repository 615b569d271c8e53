/**
 * Draws tusflow's two machines as Mermaid `stateDiagram-v2` text, walking
 * their definitions (`machine.root` and its state nodes), so that the
 * diagrams in README.md and docs/machines.md never drift from the code.
 *
 * ```sh
 * node_modules/.bin/deno run -A scripts/diagrams.ts          # print them
 * node_modules/.bin/deno run -A scripts/diagrams.ts --write  # rewrite both files
 * ```
 *
 * What is drawn, state by state in document order: the initial edge of each
 * compound state (`[*] -->`), one edge per transition that has a target,
 * labelled with its event (`upload.run`), `done` or `error` for the result
 * of an invoked actor, `after <delay>` for a delayed one and `always` for
 * an eventless one, followed by `[guard]` when it is guarded; nested states
 * as composites; final states `--> [*]`. Transitions without a target (a
 * part's snapshot stored by the parallel machine, an abort ignored once
 * failed) change no state and are left out. A transition of the root node
 * (`upload.abort`) is taken from every state: it is drawn once, as a note on
 * its target, instead of an edge from each state.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type {
  AnyStateMachine,
  AnyStateNode,
  AnyTransitionDefinition,
} from "xstate";
import { uploadMachineDefinition } from "../machines/upload.ts";
import { parallelMachineDefinition } from "../machines/parallel.ts";

/**
 * The line that opens the generated block in README.md.
 *
 * @example
 * ```ts
 * import { BLOCK_BEGIN, BLOCK_END } from "./diagrams.ts";
 *
 * console.log(`${BLOCK_BEGIN}\n…\n${BLOCK_END}`);
 * ```
 */
export const BLOCK_BEGIN = "<!-- machines:begin -->";
/**
 * The line that closes the generated block in README.md.
 *
 * @example
 * ```ts
 * import { BLOCK_END } from "./diagrams.ts";
 *
 * console.log(BLOCK_END); // "<!-- machines:end -->"
 * ```
 */
export const BLOCK_END = "<!-- machines:end -->";
/**
 * The command that regenerates both files, for messages.
 *
 * @example
 * ```ts
 * import { REGENERATE } from "./diagrams.ts";
 *
 * console.log(`The diagrams are stale: run ${REGENERATE}`);
 * ```
 */
export const REGENERATE =
  "node_modules/.bin/deno run -A scripts/diagrams.ts --write";

/**
 * One machine to draw: its heading, its source file, its definition.
 *
 * @example
 * ```ts
 * import type { DrawnMachine } from "./diagrams.ts";
 * import { uploadMachine } from "../mod.ts";
 *
 * const drawn: DrawnMachine = {
 *   name: "uploadMachine",
 *   source: "machines/upload.ts",
 *   machine: uploadMachine,
 * };
 * console.log(drawn.name);
 * ```
 */
export interface DrawnMachine {
  /** The exported name, used as the heading. */
  name: string;
  /** The file that defines it, relative to the repository. */
  source: string;
  /** The definition, walked from its `root` state node. */
  machine: AnyStateMachine;
}

/**
 * The machines the README shows, in order.
 *
 * @example
 * ```ts
 * import { MACHINES } from "./diagrams.ts";
 *
 * console.log(MACHINES.map((m) => m.name)); // ["uploadMachine", "parallelUploadMachine"]
 * ```
 */
export const MACHINES: readonly DrawnMachine[] = [
  {
    name: "uploadMachine",
    source: "machines/upload.ts",
    machine: uploadMachineDefinition,
  },
  {
    name: "parallelUploadMachine",
    source: "machines/parallel.ts",
    machine: parallelMachineDefinition,
  },
];

interface Edge {
  from: AnyStateNode;
  to: AnyStateNode;
  label: string;
}

/**
 * The Mermaid id of a state node: its path joined by `_`, since Mermaid ids
 * may hold neither dots nor spaces (`conflict.head` → `conflict_head`).
 *
 * @example
 * ```ts
 * import type { AnyStateNode } from "xstate";
 * import { uploadMachine } from "../mod.ts";
 * import { stateId } from "./diagrams.ts";
 *
 * const conflict = uploadMachine.root.states.conflict as AnyStateNode;
 * console.log(stateId(conflict.states.head as AnyStateNode)); // "conflict_head"
 * ```
 */
export function stateId(node: AnyStateNode): string {
  return node.path.join("_");
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

/**
 * Every state node below `node`, depth first in document order.
 *
 * @example
 * ```ts
 * import type { AnyStateNode } from "xstate";
 * import { uploadMachine } from "../mod.ts";
 * import { descendantsOf } from "./diagrams.ts";
 *
 * const states = descendantsOf(uploadMachine.root as AnyStateNode);
 * console.log(states.some((node) => node.key === "seek")); // true
 * ```
 */
export function descendantsOf(node: AnyStateNode): AnyStateNode[] {
  return childrenOf(node).flatMap((child) => [child, ...descendantsOf(child)]);
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === "string") return guard;
  if (typeof guard === "object" && "type" in guard) {
    return String((guard as { type: unknown }).type);
  }
  if (typeof guard === "function" && guard.name) return guard.name;
  return "guard";
}

function withGuard(label: string, transition: AnyTransitionDefinition) {
  const guard = guardName(transition.guard);
  return guard === null ? label : `${label} [${guard}]`;
}

function delayName(delay: unknown): string {
  if (typeof delay === "number") return `${delay}ms`;
  if (typeof delay === "string") return delay;
  return "delay";
}

/** What an event key of `node.transitions` means, as an edge label. */
function eventLabels(node: AnyStateNode): Map<string, string> {
  const labels = new Map<string, string>();
  const several = node.invoke.length > 1;
  for (const invoked of node.invoke) {
    const src = typeof invoked.src === "string" ? invoked.src : invoked.id;
    const suffix = several ? ` ${src}` : "";
    labels.set(`xstate.done.actor.${invoked.id}`, `done${suffix}`);
    labels.set(`xstate.error.actor.${invoked.id}`, `error${suffix}`);
  }
  for (const delayed of node.after) {
    labels.set(delayed.eventType, `after ${delayName(delayed.delay)}`);
  }
  return labels;
}

/** The transitions leaving `node` itself, as labelled edges. */
function edgesOf(node: AnyStateNode): Edge[] {
  const labels = eventLabels(node);
  const edges: Edge[] = [];
  const add = (transition: AnyTransitionDefinition, label: string) => {
    for (const to of transition.target ?? []) {
      edges.push({ from: node, to, label: withGuard(label, transition) });
    }
  };
  for (const [event, transitions] of node.transitions) {
    for (const transition of transitions) {
      add(transition, labels.get(event) ?? event);
    }
  }
  for (const transition of node.always ?? []) add(transition, "always");
  return edges;
}

/** The deepest compound node holding both ends of an edge. */
function scopeOf(edge: Edge): AnyStateNode {
  let scope = edge.from.parent ?? edge.from;
  while (scope.parent && !isAncestor(scope, edge.to)) scope = scope.parent;
  return scope;
}

function isAncestor(ancestor: AnyStateNode, node: AnyStateNode): boolean {
  for (let at = node.parent; at; at = at.parent) {
    if (at === ancestor) return true;
  }
  return false;
}

function declaration(node: AnyStateNode): string {
  const id = stateId(node);
  return id === node.key ? id : `state "${node.key}" as ${id}`;
}

/** The lines of one scope (the root or a composite), indented by `depth`. */
function scopeLines(
  scope: AnyStateNode,
  edges: readonly Edge[],
  depth: number,
): string[] {
  const pad = "  ".repeat(depth);
  const lines: string[] = [];
  for (const child of childrenOf(scope)) {
    if (childrenOf(child).length === 0) {
      lines.push(pad + declaration(child));
      continue;
    }
    const name = stateId(child) === child.key
      ? child.key
      : `"${child.key}" as ${stateId(child)}`;
    lines.push(`${pad}state ${name} {`);
    lines.push(...scopeLines(child, edges, depth + 1));
    lines.push(`${pad}}`);
  }
  for (const target of scope.initial?.target ?? []) {
    lines.push(`${pad}[*] --> ${stateId(target)}`);
  }
  for (const edge of edges) {
    if (scopeOf(edge) !== scope) continue;
    lines.push(
      `${pad}${stateId(edge.from)} --> ${stateId(edge.to)} : ${edge.label}`,
    );
  }
  for (const child of childrenOf(scope)) {
    if (child.type === "final") lines.push(`${pad}${stateId(child)} --> [*]`);
  }
  return lines;
}

/** The root's own transitions, grouped by target: one note per target. */
function rootNotes(root: AnyStateNode): string[] {
  const byTarget = new Map<AnyStateNode, string[]>();
  for (const edge of edgesOf(root)) {
    byTarget.set(edge.to, [...byTarget.get(edge.to) ?? [], edge.label]);
  }
  const lines: string[] = [];
  for (const [target, labels] of byTarget) {
    lines.push(
      `  %% ${
        labels.join(", ")
      }: handled at the machine's root, so taken from every state`,
      `  note right of ${stateId(target)} : ${
        labels.join(" or ")
      } from every state`,
    );
  }
  return lines;
}

/**
 * The Mermaid `stateDiagram-v2` text of a machine, without code fence.
 *
 * @example
 * ```ts
 * import { uploadMachine } from "../mod.ts";
 * import { machineDiagram } from "./diagrams.ts";
 *
 * console.log(machineDiagram(uploadMachine).split("\n")[0]); // "stateDiagram-v2"
 * ```
 */
export function machineDiagram(machine: AnyStateMachine): string {
  const root = machine.root as AnyStateNode;
  const edges = descendantsOf(root).flatMap(edgesOf);
  return [
    "stateDiagram-v2",
    ...scopeLines(root, edges, 1),
    ...rootNotes(root),
  ].join("\n");
}

function fenced(diagram: string): string {
  return "```mermaid\n" + diagram + "\n```";
}

/**
 * The generated part of README.md, between (not including) the markers.
 *
 * @example
 * ```ts
 * import { readmeBlock } from "./diagrams.ts";
 *
 * console.log(readmeBlock().includes("stateDiagram-v2")); // true
 * ```
 */
export function readmeBlock(): string {
  const sections = MACHINES.map(({ name, source, machine }) =>
    `### \`${name}\` (\`${source}\`)\n\n${fenced(machineDiagram(machine))}`
  );
  return [
    `<!-- Generated from the machine definitions by \`${REGENERATE}\`; edit the machines, not this block -->`,
    ...sections,
  ].join("\n\n");
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\<>*_`|]/g, (c) => `\\${c}`);
}

/**
 * Greedy word wrap at 80 columns, the way `deno fmt` wraps Markdown prose,
 * so that the generated page is already formatted.
 */
function wrapped(text: string, indent = ""): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > 80) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join("\n");
}

function stateList(machine: AnyStateMachine): string {
  const items = descendantsOf(machine.root as AnyStateNode).map((node) => {
    const name = `\`${node.path.join(".")}\``;
    return node.description
      ? wrapped(`- ${name}: ${escapeMarkdown(node.description)}`, "  ")
      : `- ${name}`;
  });
  return items.join("\n");
}

/**
 * The whole of docs/machines.md: both diagrams, then each state with its
 * `description`, as the Stately visualizer shows it.
 *
 * @example
 * ```ts
 * import { docsPage } from "./diagrams.ts";
 *
 * console.log(docsPage().startsWith("# The machines")); // true
 * ```
 */
export function docsPage(): string {
  const sections = MACHINES.map(({ name, source, machine }) =>
    [
      `## \`${name}\` (\`${source}\`)`,
      fenced(machineDiagram(machine)),
      "Its states:",
      stateList(machine),
    ].join("\n\n")
  );
  return [
    "# The machines",
    `<!-- Generated from the machine definitions by \`${REGENERATE}\`; edit the machines, not this file -->`,
    wrapped(
      "tusflow's two XState machines, drawn from their definitions. " +
        "An `upload.abort` is handled at each machine's root, so it is taken " +
        "from every state; it is drawn once, as a note on its target.",
    ),
    ...sections,
  ].join("\n\n") + "\n";
}

/**
 * `readme` with the text between its markers replaced by `block`.
 *
 * @example
 * ```ts
 * import { BLOCK_BEGIN, BLOCK_END, withBlock } from "./diagrams.ts";
 *
 * const readme = `# x\n\n${BLOCK_BEGIN}\nold\n${BLOCK_END}\n`;
 * console.log(withBlock(readme, "new")); // "# x\n\n<!-- machines:begin -->\n\nnew\n\n<!-- machines:end -->\n"
 * ```
 */
export function withBlock(readme: string, block: string): string {
  const start = readme.indexOf(BLOCK_BEGIN);
  const end = readme.indexOf(BLOCK_END);
  if (start === -1 || end < start) {
    throw new Error(
      `Cannot place the diagrams: the README has no ${BLOCK_BEGIN} … ${BLOCK_END} block`,
    );
  }
  return readme.slice(0, start + BLOCK_BEGIN.length) + `\n\n${block}\n\n` +
    readme.slice(end);
}

/**
 * The text between the markers of `readme`, as {@linkcode withBlock} puts
 * it there (without the blank lines around it), or `null` when they are
 * missing.
 *
 * @example
 * ```ts
 * import { blockOf, withBlock } from "./diagrams.ts";
 *
 * const readme = withBlock("<!-- machines:begin --><!-- machines:end -->", "a");
 * console.log(blockOf(readme)); // "a"
 * ```
 */
export function blockOf(readme: string): string | null {
  const start = readme.indexOf(BLOCK_BEGIN);
  const end = readme.indexOf(BLOCK_END);
  if (start === -1 || end < start) return null;
  return readme.slice(start + BLOCK_BEGIN.length, end).trim();
}

/**
 * Rewrites the README block and docs/machines.md under `root`; returns the
 * paths written.
 *
 * @example
 * ```ts ignore
 * import { writeDiagrams } from "./diagrams.ts";
 *
 * writeDiagrams(".");
 * ```
 */
export function writeDiagrams(root: string): string[] {
  const readmePath = join(root, "README.md");
  const docsPath = join(root, "docs", "machines.md");
  const readme = readFileSync(readmePath, "utf8");
  writeFileSync(readmePath, withBlock(readme, readmeBlock()));
  writeFileSync(docsPath, docsPage());
  return [readmePath, docsPath];
}

/**
 * Whether this module is the program being run, and not a module inlined
 * in another one (a bundled test names a different file).
 */
function isEntryPoint(): boolean {
  const self = fileURLToPath(import.meta.url);
  const entry = process.argv[1];
  return import.meta.main === true && self.endsWith("diagrams.ts") &&
    (entry === undefined || entry.endsWith("diagrams.ts"));
}

if (isEntryPoint()) {
  if (process.argv.includes("--write")) {
    const root = fileURLToPath(new URL("..", import.meta.url));
    for (const path of writeDiagrams(root)) console.log(`wrote ${path}`);
  } else {
    console.log(readmeBlock());
  }
}
