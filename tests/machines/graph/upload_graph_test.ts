/**
 * Every state and every transition of the upload machine, taken by real
 * uploads against the test server: the chart's transitions come from the
 * definition, the taken ones from XState's inspection events, and the last
 * test fails naming any transition no scenario took.
 *
 * @module
 */
import { uploadMachineDefinition } from "../../../machines/upload.ts";
import { chartSuite } from "./_chart_suite.ts";
import { UPLOAD_SCENARIOS } from "./_upload_scenarios.ts";
import { SETUP_SCENARIOS } from "./_upload_setup_scenarios.ts";

/**
 * Transitions no real run can take, each with the reason. Keys are as
 * `transitionKey` prints them; an entry that a run takes fails the test.
 */
const UNREACHABLE: Readonly<Record<string, string>> = {};

chartSuite(
  "upload machine: every state and transition, for real",
  uploadMachineDefinition,
  [...UPLOAD_SCENARIOS, ...SETUP_SCENARIOS],
  UNREACHABLE,
);
