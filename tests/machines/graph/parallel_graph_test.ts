/**
 * Every state and every transition of the parallel machine, taken by real
 * parallel uploads against the test server.
 *
 * @module
 */
import { parallelMachineDefinition } from "../../../machines/parallel.ts";
import { chartSuite } from "./_chart_suite.ts";
import { PARALLEL_SCENARIOS } from "./_parallel_scenarios.ts";

/** Transitions no real run can take, each with the reason. */
const UNREACHABLE: Readonly<Record<string, string>> = {};

chartSuite(
  "parallel machine: every state and transition, for real",
  parallelMachineDefinition,
  PARALLEL_SCENARIOS,
  UNREACHABLE,
);
