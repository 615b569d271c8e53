/**
 * The suite both machines share: one test per scenario, each a real run
 * recorded from XState's inspection events, then one test that fails when
 * any state or transition of the chart was never taken.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AnyStateMachine } from "xstate";
import { startTusServer } from "../../../src/testing/mod.ts";
import {
  chartOf,
  gapsOf,
  pathsToSources,
  Recorder,
  shortestChartPaths,
  summaryOf,
} from "./_coverage.ts";
import type { Scenario } from "./_kit.ts";

/**
 * Runs `scenarios` against fresh test servers and checks that together
 * they took every state and transition of `machine`, except the ones
 * `unreachable` lists with a reason.
 */
export function chartSuite(
  title: string,
  machine: AnyStateMachine,
  scenarios: readonly Scenario[],
  unreachable: Readonly<Record<string, string>>,
): void {
  const chart = chartOf(machine);
  const total = new Recorder();
  const perScenario = new Map<string, Recorder>();

  describe(title, () => {
    test("the chart leads to every atomic state (shortest paths)", () => {
      const paths = shortestChartPaths(chart);
      const atomic = chart.states.filter((id) => chart.entered[id] === id);
      const longest = Math.max(...[...paths.values()].map((p) => p.length));
      console.log(
        `${chart.machineId}: ${paths.size} shortest paths reach ${atomic.length} atomic states, the longest in ${longest} transitions`,
      );
      assert.deepEqual(atomic.filter((id) => !paths.has(id)), []);
    });

    for (const scenario of scenarios) {
      test(scenario.name, async () => {
        const recorder = new Recorder();
        perScenario.set(scenario.name, recorder);
        try {
          await using server = await startTusServer(scenario.server);
          await scenario.run({ server, recorder });
        } finally {
          total.merge(recorder);
        }
      });
    }

    test("the scenarios took every state and transition of the chart", () => {
      console.log(summaryOf(chart, total, scenarios, perScenario));
      for (const [key, reason] of Object.entries(unreachable)) {
        console.log(`  unreachable: ${key} (${reason})`);
      }
      const gaps = gapsOf(chart, total, unreachable);
      const unknown = [...total.transitions.keys()].filter((key) =>
        /^[^ .]+/.exec(key)?.[0] === chart.machineId &&
        !chart.edges.some((e) => e.key === key)
      );
      assert.deepEqual(
        { ...gaps, unknown },
        {
          states: [],
          transitions: [],
          reachedAnyway: [],
          stale: [],
          unknown: [],
        },
        `states or transitions no scenario took; shortest ways there in the chart (guards ignored):\n${
          pathsToSources(chart, gaps.transitions).join("\n")
        }`,
      );
    });
  });
}
