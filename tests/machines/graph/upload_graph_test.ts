/**
 * Every state and every transition of the upload machine, taken by real
 * uploads against the test server: the chart's transitions come from the
 * definition, the taken ones from XState's inspection events, and the last
 * test fails naming any transition no scenario took.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { uploadMachineDefinition } from "../../../machines/upload.ts";
import { startTusServer } from "../../../src/testing/mod.ts";
import { chartOf, gapsOf, Recorder, summaryOf } from "./_coverage.ts";
import { UPLOAD_SCENARIOS } from "./_upload_scenarios.ts";

/**
 * Transitions no real run can take, each with the reason. Keys are as
 * `transitionKey` prints them; an entry that a run takes fails the test.
 */
export const UNREACHABLE: Readonly<Record<string, string>> = {};

const chart = chartOf(uploadMachineDefinition);
const total = new Recorder();
const perScenario = new Map<string, Recorder>();

describe("upload machine: every state and transition, for real", () => {
  for (const scenario of UPLOAD_SCENARIOS) {
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
    console.log(summaryOf(chart, total, UPLOAD_SCENARIOS, perScenario));
    const gaps = gapsOf(chart, total, UNREACHABLE);
    const unknown = [...total.transitions.keys()].filter((key) =>
      key.startsWith(`${chart.machineId}.`) &&
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
      "states or transitions no scenario took",
    );
  });
});
