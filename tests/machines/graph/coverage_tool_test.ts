/**
 * The coverage instrument itself, on a small machine with every kind of
 * transition (event, targetless, root, `always` with and without a guard,
 * invoke done and error, `after`, nested `initial`): the chart lists them
 * all, a run records exactly the ones it took, and the gaps name the rest.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createActor, fromPromise, setup, waitFor } from "xstate";
import {
  chartOf,
  gapsOf,
  pathsToSources,
  Recorder,
  shortestChartPaths,
} from "./_coverage.ts";

const toy = setup({
  types: { events: {} as { type: "go" } | { type: "stop" } | { type: "poke" } },
  actors: {
    work: fromPromise(({ input }: { input: boolean }) =>
      input ? Promise.resolve(1) : Promise.reject(new Error("no"))
    ),
  },
  guards: { lucky: () => true },
  delays: { soon: 1 },
}).createMachine({
  id: "toy",
  initial: "idle",
  on: { stop: ".stopped" },
  states: {
    idle: { on: { go: "deciding", poke: {} } },
    deciding: {
      always: [{ guard: "lucky", target: "working" }, { target: "stopped" }],
    },
    working: {
      invoke: {
        src: "work",
        input: true,
        onDone: "pausing",
        onError: "stopped",
      },
    },
    pausing: { after: { soon: "nested" } },
    nested: {
      initial: "a",
      states: { a: { always: "b" }, b: { on: { go: "#toy.stopped" } } },
    },
    stopped: { type: "final" },
  },
});

const chart = chartOf(toy);

async function runThrough(recorder: Recorder): Promise<void> {
  const actor = createActor(toy, { inspect: recorder.inspect }).start();
  actor.send({ type: "poke" });
  actor.send({ type: "go" });
  await waitFor(actor, (s) => s.matches({ nested: "b" }), { timeout: 2000 });
  actor.send({ type: "go" });
  assert.equal(actor.getSnapshot().status, "done");
}

describe("the coverage instrument", () => {
  test("the chart lists every state node and every kind of transition", () => {
    assert.equal(chart.initial, "toy.idle");
    assert.equal(chart.entered["toy.nested"], "toy.nested.a");
    assert.deepEqual(chart.states.length, 8);
    assert.deepEqual(chart.edges.map((e) => e.key).sort(), [
      "toy --stop--> toy.stopped",
      "toy.deciding --always [lucky]--> toy.working",
      "toy.deciding --always--> toy.stopped",
      "toy.idle --go--> toy.deciding",
      "toy.idle --poke--> (stays)",
      "toy.nested.a --always--> toy.nested.b",
      "toy.nested.b --go--> toy.stopped",
      "toy.pausing --after--> toy.nested",
      "toy.working --done.actor--> toy.pausing",
      "toy.working --error.actor--> toy.stopped",
    ]);
  });

  test("a run records the transitions it took and the states it was in", async () => {
    const recorder = new Recorder();
    await runThrough(recorder);
    const gaps = gapsOf(chart, recorder, {});
    assert.deepEqual(gaps.states, []);
    assert.deepEqual(gaps.transitions.sort(), [
      "toy --stop--> toy.stopped",
      "toy.deciding --always--> toy.stopped",
      "toy.working --error.actor--> toy.stopped",
    ]);
    assert.equal(recorder.transitions.get("toy.idle --poke--> (stays)"), 1);
  });

  test("the unreachable table is checked both ways", async () => {
    const recorder = new Recorder();
    await runThrough(recorder);
    const gaps = gapsOf(chart, recorder, {
      "toy.deciding --always--> toy.stopped": "lucky is always true",
      "toy.idle --go--> toy.deciding": "listed by mistake",
      "toy.gone --go--> toy.idle": "no longer in the chart",
    });
    assert.deepEqual(gaps.reachedAnyway, ["toy.idle --go--> toy.deciding"]);
    assert.deepEqual(gaps.stale, ["toy.gone --go--> toy.idle"]);
    assert.equal(gaps.transitions.length, 2);
  });

  test("shortest chart paths reach every atomic state and explain a gap", () => {
    const paths = shortestChartPaths(chart);
    assert.deepEqual(paths.get("toy.nested.b"), [
      "toy.idle --go--> toy.deciding",
      "toy.deciding --always [lucky]--> toy.working",
      "toy.working --done.actor--> toy.pausing",
      "toy.pausing --after--> toy.nested",
      "toy.nested.a --always--> toy.nested.b",
    ]);
    const [hint] = pathsToSources(chart, ["toy.nested.b --go--> toy.stopped"]);
    assert.match(hint ?? "", /reach toy\.nested\.b by: toy\.idle --go-->/);
  });
});
