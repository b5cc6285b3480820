import { GENERAL_ORACLES } from '../oracles/index.js';
import type { OracleKind } from '../oracles/oracleKind.js';
import type { FaultKind } from './faultKind.js';
import type { Flow } from './flow.js';
import { apiFlow } from './api/apiFlow.js';
import type { StepKind } from './stepKind.js';
import { webhookFlow } from './webhook/webhookFlow.js';

export type { Flow } from './flow.js';

/**
 * Every flow, by the mode a scenario's `flow` names. Adding a partner mode is adding its module
 * here: its steps, faults and oracles join the scenario schema, `b2b scenarios list`, the run and
 * the report.
 */
export const FLOWS: Readonly<Record<string, Flow>> = Object.fromEntries(
  [webhookFlow as Flow, apiFlow as Flow].map((flow) => [flow.mode, flow]),
);

/** A step kind and the flow that brings it. */
export interface RegisteredStep {
  flow: Flow;
  step: StepKind<never, unknown>;
}

/** Every step kind of every flow, by the name scenario files use. */
export const STEP_KINDS: ReadonlyMap<string, RegisteredStep> = new Map(
  Object.values(FLOWS).flatMap((flow) =>
    flow.steps.map((step): [string, RegisteredStep] => [step.kind, { flow, step }]),
  ),
);

/** An oracle kind, and the flow it belongs to (none for the general ones). */
export interface RegisteredOracle {
  flow?: Flow;
  oracle: OracleKind<never>;
}

/** Every oracle kind: the general ones, then each flow's own. */
export const ORACLE_KINDS: ReadonlyMap<string, RegisteredOracle> = new Map([
  ...GENERAL_ORACLES.map((oracle): [string, RegisteredOracle] => [oracle.kind, { oracle }]),
  ...Object.values(FLOWS).flatMap((flow) =>
    flow.oracles.map((oracle): [string, RegisteredOracle] => [oracle.kind, { flow, oracle }]),
  ),
]);

/** Each flow's faults, by flow. */
export function faultsByFlow(): { flow: string; faults: readonly FaultKind[] }[] {
  return Object.values(FLOWS).map((flow) => ({ flow: flow.mode, faults: flow.faults }));
}
