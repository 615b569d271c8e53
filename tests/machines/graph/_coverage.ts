/**
 * Coverage of a state machine's chart by real runs: every state node and
 * every transition of a definition (from `@xstate/graph`'s directed graph,
 * plus the eventless `always` transitions it leaves out), and a recorder
 * that collects what an actor really took from XState's inspection events.
 *
 * @module
 */
import {
  getShortestPaths,
  getStateNodes,
  toDirectedGraph,
} from "@xstate/graph";
import type { DirectedGraphNode } from "@xstate/graph";
import {
  type AnyStateMachine,
  fromTransition,
  type InspectionEvent,
} from "xstate";

/** The parts of a transition definition a key is made of. */
interface TransitionLike {
  readonly source: { readonly id: string };
  readonly target?: ReadonlyArray<{ readonly id: string }> | undefined;
  readonly eventType: string;
  readonly guard?: unknown;
}

/** One transition of a chart, named by its key. */
export interface Edge {
  /** `source --event [guard]--> target`: unique within a machine. */
  readonly key: string;
  readonly source: string;
  readonly target: string;
}

/** Every state node id and transition of a machine definition. */
export interface Chart {
  readonly machineId: string;
  /** The atomic state a run starts in. */
  readonly initial: string;
  /** Each state node's atomic state once entered (through `initial`). */
  readonly entered: Readonly<Record<string, string>>;
  readonly states: readonly string[];
  readonly edges: readonly Edge[];
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === "string") return guard;
  if (typeof guard === "function") return guard.name || "inline";
  const type = (guard as { type?: unknown }).type;
  return typeof type === "string" ? type : "inline";
}

/** The readable key of a transition, the same for a definition and a run. */
export function transitionKey(t: TransitionLike): string {
  const event = t.eventType === "" ? "always" : shortEvent(t.eventType);
  const guard = guardName(t.guard);
  const targets = t.target?.map((node) => node.id).join(",") || "(stays)";
  return `${t.source.id} --${event}${guard ? ` [${guard}]` : ""}--> ${targets}`;
}

/** `xstate.done.actor.0.upload.probing` reads as `done.actor`. */
function shortEvent(type: string): string {
  const match = /^xstate\.(done\.actor|error\.actor|after)\./.exec(type);
  return match ? match[1]! : type;
}

/**
 * The chart of `machine`: its state nodes (via `getStateNodes`), its
 * event, delayed and invoke transitions (via `toDirectedGraph`) and its
 * `always` transitions (read from each state node).
 */
export function chartOf(machine: AnyStateMachine): Chart {
  const edges = new Map<string, Edge>();
  const add = (t: TransitionLike) => {
    const key = transitionKey(t);
    if (edges.has(key)) {
      throw new Error(
        `Cannot chart ${machine.id}: two transitions read ${key}`,
      );
    }
    edges.set(key, {
      key,
      source: t.source.id,
      target: t.target?.map((n) => n.id).join(",") ?? t.source.id,
    });
  };
  const walk = (node: DirectedGraphNode) => {
    for (const edge of node.edges) add(edge.transition as TransitionLike);
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  const nodes = getStateNodes(machine);
  for (const node of nodes) {
    const always = (node as { always?: TransitionLike[] }).always ?? [];
    always.forEach(add);
  }
  const entered: Record<string, string> = {};
  for (const node of nodes) entered[node.id] = atomicOf(node as NodeLike);
  return {
    machineId: machine.id,
    initial: atomicOf(machine.root as NodeLike),
    entered,
    states: nodes.map((node) => node.id),
    edges: [...edges.values()],
  };
}

interface NodeLike {
  readonly id: string;
  readonly initial?: { readonly target: readonly NodeLike[] };
}

function atomicOf(node: NodeLike): string {
  const child = node.initial?.target[0];
  return child ? atomicOf(child) : node.id;
}

/**
 * The chart as plain actor logic (state: an atomic state id; events: edge
 * keys; guards ignored), so that `@xstate/graph` can walk it.
 */
function chartLogic(chart: Chart) {
  const edges = new Map(chart.edges.map((e) => [e.key, e]));
  const within = (state: string, node: string) =>
    state === node || state.startsWith(`${node}.`);
  const logic = fromTransition(
    (state: string, event: { type: string }) => {
      const edge = edges.get(event.type);
      if (!edge || !within(state, edge.source)) return state;
      return edge.target === edge.source
        ? state
        : chart.entered[edge.target] ?? edge.target;
    },
    chart.initial,
  );
  const events = (snapshot: { context: string }) =>
    chart.edges
      .filter((e) => within(snapshot.context, e.source))
      .map((e) => ({ type: e.key }));
  return { logic, events };
}

/**
 * The shortest way through the chart (guards ignored) to every atomic
 * state, from `@xstate/graph`'s `getShortestPaths`: state id → the edges.
 */
export function shortestChartPaths(chart: Chart): Map<string, string[]> {
  const { logic, events } = chartLogic(chart);
  const paths = getShortestPaths(logic, { events });
  return new Map(
    paths.map((path) => [
      path.state.context,
      path.steps.slice(1).map((step) => step.event.type),
    ]),
  );
}

/** For each missing transition, the shortest way to where it starts. */
export function pathsToSources(chart: Chart, keys: string[]): string[] {
  if (keys.length === 0) return [];
  const paths = shortestChartPaths(chart);
  return keys.map((key) => {
    const source = chart.edges.find((e) => e.key === key)?.source ?? "";
    const way = paths.get(chart.entered[source] ?? source) ?? [];
    return `${key}\n    reach ${source} by: ${way.join(" ; ") || "(start)"}`;
  });
}

/** The ids of the state nodes a state value is in (`a.b` is in `a` too). */
function nodeIdsOf(machineId: string, value: unknown): string[] {
  if (typeof value === "string") return [`${machineId}.${value}`];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const id = `${machineId}.${key}`;
    return [id, ...nodeIdsOf(id, child)];
  });
}

/** What runs took: transition keys and state node ids, with their counts. */
export class Recorder {
  readonly transitions = new Map<string, number>();
  readonly states = new Set<string>();

  /** An `inspect` observer to give to the client (or `createActor`). */
  readonly inspect = (event: InspectionEvent): void => {
    if (
      event.type !== "@xstate.microstep" && event.type !== "@xstate.snapshot"
    ) return;
    const snapshot = event.snapshot as {
      value?: unknown;
      machine?: { id: string };
    };
    if (snapshot.machine && snapshot.value !== undefined) {
      for (const id of nodeIdsOf(snapshot.machine.id, snapshot.value)) {
        this.states.add(id);
      }
    }
    if (event.type !== "@xstate.microstep") return;
    for (const t of event._transitions as unknown as TransitionLike[]) {
      const key = transitionKey(t);
      this.transitions.set(key, (this.transitions.get(key) ?? 0) + 1);
    }
  };

  /** Adds another recorder's findings. */
  merge(other: Recorder): void {
    for (const [key, count] of other.transitions) {
      this.transitions.set(key, (this.transitions.get(key) ?? 0) + count);
    }
    for (const id of other.states) this.states.add(id);
  }

  /** The transitions of `chart` this recorder saw. */
  takenOf(chart: Chart): string[] {
    return chart.edges.map((e) => e.key).filter((k) => this.transitions.has(k));
  }
}

/** What a chart's coverage is missing, after the known unreachable ones. */
export interface Gaps {
  readonly states: string[];
  readonly transitions: string[];
  /** Listed as unreachable, yet a run took it: the table is out of date. */
  readonly reachedAnyway: string[];
  /** Listed as unreachable, but no longer in the chart. */
  readonly stale: string[];
}

/** Compares a recorder with a chart. */
export function gapsOf(
  chart: Chart,
  seen: Recorder,
  unreachable: Readonly<Record<string, string>>,
): Gaps {
  const keys = new Set(chart.edges.map((e) => e.key));
  return {
    states: chart.states.filter((id) => !seen.states.has(id)),
    transitions: chart.edges
      .map((e) => e.key)
      .filter((k) => !seen.transitions.has(k) && !(k in unreachable)),
    reachedAnyway: Object.keys(unreachable).filter((k) =>
      seen.transitions.has(k)
    ),
    stale: Object.keys(unreachable).filter((k) => !keys.has(k)),
  };
}

/**
 * A summary to print: the counts, then each scenario with the faults it
 * needed, how many chart transitions it took, and the ones only it took.
 */
export function summaryOf(
  chart: Chart,
  seen: Recorder,
  scenarios: ReadonlyArray<{ name: string; faults: readonly string[] }>,
  perScenario: ReadonlyMap<string, Recorder>,
): string {
  const taken = seen.takenOf(chart).length;
  const states = chart.states.filter((id) => seen.states.has(id)).length;
  const lines = [
    `${chart.machineId}: ${states}/${chart.states.length} states, ${taken}/${chart.edges.length} transitions, ${scenarios.length} scenarios`,
  ];
  for (const scenario of scenarios) {
    const own = perScenario.get(scenario.name)?.takenOf(chart) ?? [];
    const only = own.filter((key) =>
      ![...perScenario].some(([name, other]) =>
        name !== scenario.name && other.transitions.has(key)
      )
    );
    const faults = scenario.faults.length ? scenario.faults.join(", ") : "none";
    lines.push(
      `  ${scenario.name} [faults: ${faults}]: ${own.length} transitions`,
      ...only.map((key) => `      only here: ${key}`),
    );
  }
  return lines.join("\n");
}
