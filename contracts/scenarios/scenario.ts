import schema from './scenario.schema.json' with { type: 'json' };

/** A scenario file, as validated by scenario.schema.json. */
export interface ScenarioDocument {
  id: string;
  title: string;
  kind: 'main' | 'alt' | 'exception';
  partner: string;
  flow: 'webhook';
  source?: string;
  expected: string;
  steps: StepDocument[];
  oracles: OracleDocument[];
}

export interface StepDocument {
  id: string;
  kind: string;
  title: string;
  [param: string]: unknown;
}

export interface OracleDocument {
  kind: string;
  [param: string]: unknown;
}

export const scenarioSchema = schema;

/**
 * What a scenario id may be, as the schema says: the playbook's `B-002` or a team's own id. An id
 * names the scenario's evidence folder and is part of event ids, order numbers and correlation ids.
 */
export const SCENARIO_ID_PATTERN = new RegExp(schema.properties.id.pattern);

/** The step and oracle kinds the schema knows, for checking the harness's registries against it. */
export const SCHEMA_STEP_KINDS: readonly string[] = schema.$defs.step.oneOf.map(
  (branch) => branch.properties.kind.const,
);
export const SCHEMA_ORACLE_KINDS: readonly string[] = schema.$defs.oracle.oneOf.map(
  (branch) => branch.properties.kind.const,
);
export const SCHEMA_FAULT_NAMES: readonly string[] = schema.$defs.fault.oneOf.map(
  (branch) => branch.properties.name.const,
);
