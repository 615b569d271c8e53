import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import type { AnyStateNode } from "xstate";
import {
  BLOCK_BEGIN,
  BLOCK_END,
  blockOf,
  descendantsOf,
  docsPage,
  machineDiagram,
  MACHINES,
  readmeBlock,
  REGENERATE,
  stateId,
  withBlock,
} from "../../scripts/diagrams.ts";

/**
 * The checkout holding README.md: next to this file, or (when the test runs
 * bundled elsewhere, as on Node) the working directory.
 */
function checkout(): string {
  const candidates = [
    fileURLToPath(new URL("../../", import.meta.url)),
    process.cwd(),
  ];
  const found = candidates.find((dir) =>
    existsSync(join(dir, "README.md")) &&
    readFileSync(join(dir, "README.md"), "utf8").includes(BLOCK_BEGIN)
  );
  assert.ok(
    found,
    `Cannot find README.md with ${BLOCK_BEGIN} in ${candidates}`,
  );
  return found;
}

const ID = /^[A-Za-z][A-Za-z0-9_]*$/;
const TEXT = /^[^:;#"\n]+$/;

/**
 * What Mermaid's `stateDiagram-v2` grammar would reject or misread in the
 * subset the generator writes: ids with dots, dashes or spaces; a second
 * colon, a `;` or a `#` in a label (the lexer ends a label there); the
 * word "direction" (it switches the layout); unbalanced composites; and a
 * state first named inside a composite it does not belong to (Mermaid
 * would place it there).
 */
function mermaidProblems(text: string): string[] {
  const lines = text.split("\n");
  const problems: string[] = [];
  if (lines[0] !== "stateDiagram-v2") {
    problems.push("no stateDiagram-v2 header");
  }
  const scopes: Set<string>[] = [new Set()];
  const declared = new Map<string, Set<string>>();
  const declare = (id: string) => {
    if (!ID.test(id)) problems.push(`bad id ${JSON.stringify(id)}`);
    if (declared.has(id)) problems.push(`${id} declared twice`);
    scopes.at(-1)!.add(id);
    declared.set(id, scopes.at(-1)!);
  };
  const use = (id: string, line: string) => {
    if (id === "[*]") return;
    if (!ID.test(id)) problems.push(`bad id ${JSON.stringify(id)} in ${line}`);
    const scope = declared.get(id);
    if (!scope) problems.push(`${id} used before it is declared: ${line}`);
    else if (scopes.length > 1 && scope !== scopes.at(-1)) {
      problems.push(`${id} used inside a composite it is not in: ${line}`);
    }
  };
  const label = (value: string | undefined, line: string) => {
    if (value === undefined) return;
    if (!TEXT.test(value)) problems.push(`bad label in ${line}`);
    if (/direction/i.test(value)) problems.push(`"direction" in ${line}`);
  };
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    let match: RegExpMatchArray | null;
    if (line.startsWith("%%")) continue;
    if ((match = line.match(/^state "([^"]+)" as (\S+)( \{)?$/))) {
      declare(match[2]!);
      if (match[3]) scopes.push(new Set());
    } else if ((match = line.match(/^state (\S+) \{$/))) {
      declare(match[1]!);
      scopes.push(new Set());
    } else if (line === "}") {
      if (scopes.length === 1) problems.push("} without a composite");
      else scopes.pop();
    } else if (
      (match = line.match(/^(\S+) --> (\S+)(?: : (.+))?$/))
    ) {
      use(match[1]!, line);
      use(match[2]!, line);
      label(match[3], line);
    } else if ((match = line.match(/^note (?:left|right) of (\S+) : (.+)$/))) {
      use(match[1]!, line);
      label(match[2], line);
    } else if (/^\S+$/.test(line)) {
      declare(line);
    } else {
      problems.push(`not understood: ${line}`);
    }
  }
  if (scopes.length !== 1) problems.push("a composite is not closed");
  return problems;
}

/** Lines of `diagram` without their indentation. */
function linesOf(diagram: string): string[] {
  return diagram.split("\n").map((line) => line.trim());
}

describe("machine diagrams", () => {
  test("the README block is what scripts/diagrams.ts draws", () => {
    const readme = readFileSync(join(checkout(), "README.md"), "utf8");
    assert.equal(
      blockOf(readme),
      readmeBlock(),
      `README.md's machine diagrams are stale: run ${REGENERATE}`,
    );
  });

  test("docs/machines.md is what scripts/diagrams.ts draws", () => {
    const path = join(checkout(), "docs", "machines.md");
    assert.ok(
      existsSync(path),
      `docs/machines.md is missing: run ${REGENERATE}`,
    );
    assert.equal(
      readFileSync(path, "utf8"),
      docsPage(),
      `docs/machines.md is stale: run ${REGENERATE}`,
    );
  });

  for (const { name, machine } of MACHINES) {
    const diagram = machineDiagram(machine);
    const lines = linesOf(diagram);
    const states = descendantsOf(machine.root as AnyStateNode);

    test(`${name}: is valid Mermaid in the subset checked here`, () => {
      assert.deepEqual(mermaidProblems(diagram), []);
    });

    test(`${name}: declares every state of the machine`, () => {
      for (const node of states) {
        const id = stateId(node);
        const declared = lines.includes(id) ||
          lines.some((line) => line.endsWith(` as ${id}`)) ||
          lines.includes(`state ${id} {`);
        assert.ok(declared, `${node.path.join(".")} is not in the diagram`);
      }
      const declarations = lines.filter((line) =>
        ID.test(line) || line.startsWith("state ")
      );
      assert.equal(declarations.length, states.length);
    });

    test(`${name}: one initial edge, and every final state ends`, () => {
      const initial = diagram.split("\n").filter((line) =>
        line.startsWith("  [*] -->")
      );
      assert.deepEqual(initial, [
        `  [*] --> ${stateId(machine.root.initial.target[0]!)}`,
      ]);
      for (const node of states.filter((s) => s.type === "final")) {
        assert.ok(lines.includes(`${stateId(node)} --> [*]`), node.id);
      }
    });

    test(`${name}: the root's abort is drawn once, as a note`, () => {
      assert.equal(
        lines.filter((line) =>
          !line.startsWith("%%") && line.includes("upload.abort")
        ).length,
        1,
      );
      assert.ok(
        lines.includes("note right of failed : upload.abort from every state"),
      );
    });
  }

  test("labels name the event, the invoke result, the delay and the guard", () => {
    const upload = linesOf(machineDiagram(MACHINES[0]!.machine));
    for (
      const edge of [
        "ready --> next : upload.chunk",
        "failed --> starting : upload.run",
        "uploading --> sent : done",
        "uploading --> judging : error",
        "forgetting --> done : done [isComplete]",
        "retrying --> resuming : after retryBackoff",
        "judging --> retrying : always [canRetry]",
        "judging --> failed : always",
        "conflict_seek --> failed : always [tooManyConflicts]",
        "conflict_head --> judging : error",
      ]
    ) {
      assert.ok(upload.includes(edge), `missing edge ${edge}`);
    }
    const parallel = linesOf(machineDiagram(MACHINES[1]!.machine));
    for (
      const edge of [
        "opening --> done : done [isCompleteUpload]",
        "opening --> forgetting : error [isGone]",
        "uploadingParts --> concatenating : always [allPartsDone]",
        "failed --> [*]",
      ]
    ) {
      assert.ok(parallel.includes(edge), `missing edge ${edge}`);
    }
    // Targetless reactions (a part's snapshot stored) are not edges.
    assert.ok(!parallel.some((line) => line.includes("xstate.")));
  });

  test("conflict is a composite holding head and seek", () => {
    const text = machineDiagram(MACHINES[0]!.machine);
    const start = text.indexOf("  state conflict {\n");
    const end = text.indexOf("\n  }\n", start);
    assert.ok(start !== -1 && end !== -1);
    assert.deepEqual(linesOf(text.slice(start, end)).slice(1), [
      'state "head" as conflict_head',
      'state "seek" as conflict_seek',
      "[*] --> conflict_head",
      "conflict_head --> conflict_seek : done",
    ]);
  });

  test("the output is the same on every call", () => {
    assert.equal(readmeBlock(), readmeBlock());
    assert.equal(docsPage(), docsPage());
  });

  test("the syntax check catches what Mermaid would reject", () => {
    const bad = [
      "stateDiagram-v2",
      "  conflict.head",
      "  a",
      "  a --> b : x: y",
      "  state c {",
      "    a --> c_x : z",
      "  note right of a : go direction LR",
    ].join("\n");
    assert.deepEqual(mermaidProblems(bad), [
      'bad id "conflict.head"',
      "b used before it is declared: a --> b : x: y",
      "bad label in a --> b : x: y",
      "a used inside a composite it is not in: a --> c_x : z",
      "c_x used before it is declared: a --> c_x : z",
      "a used inside a composite it is not in: note right of a : go direction LR",
      '"direction" in note right of a : go direction LR',
      "a composite is not closed",
    ]);
  });

  test("the block goes between the markers, and nowhere else", () => {
    const readme =
      `# t\n\nbefore\n\n${BLOCK_BEGIN}\nold\n${BLOCK_END}\n\nafter\n`;
    const next = withBlock(readme, "new");
    assert.equal(
      next,
      `# t\n\nbefore\n\n${BLOCK_BEGIN}\n\nnew\n\n${BLOCK_END}\n\nafter\n`,
    );
    assert.equal(blockOf(next), "new");
    assert.equal(withBlock(next, "new"), next);
    assert.throws(
      () => withBlock("# no markers\n", "new"),
      /^Error: Cannot place the diagrams: the README has no <!-- machines:begin -->/,
    );
  });
});
