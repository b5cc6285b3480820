import schema from './scenario.schema.json' with { type: 'json' };

/**
 * A scenario file. This schema is its envelope (id, partner, flow, steps, oracles and the shared
 * definitions); each step, oracle and fault kind's own schema lives beside the kind in harness/,
 * which assembles the whole (harness/scenarios/scenarioSchema.ts).
 */
export interface ScenarioDocument {
  id: string;
  title: string;
  kind: 'main' | 'alt' | 'exception';
  partner: string;
  /** The partner mode exercised: a registered flow (`webhook`). */
  flow: string;
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

export const scenarioEnvelopeSchema = schema;

/**
 * What a scenario id may be, as the schema says: the playbook's `B-002` or a team's own id. An id
 * names the scenario's evidence folder and is part of event ids, order numbers and correlation ids.
 */
export const SCENARIO_ID_PATTERN = new RegExp(schema.properties.id.pattern);
