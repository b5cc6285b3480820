import { scenarioEnvelopeSchema } from '../../contracts/scenarios/scenario.js';
import { FLOWS, ORACLE_KINDS, STEP_KINDS } from '../flows/index.js';

/** The `$id` of the assembled schema, for `$ref`s into its definitions (`…#/$defs/step`). */
export const SCENARIO_SCHEMA_ID = 'https://b2b.local/harness/scenario.schema.json';

/**
 * The whole scenario schema: the envelope from contracts/scenarios (id, partner, flow, steps,
 * oracles and the shared definitions), with every registered flow's step kinds, faults and
 * definitions and every oracle kind put in, each from the schema file beside its kind. Steps,
 * oracles and faults are discriminated by `kind` (`name`), so an unknown one is reported as
 * "not a known kind; known: …" and a known one by its own schema only.
 *
 *   contracts/scenarios/scenario.schema.json ─┐
 *   harness/oracles/<kind>.schema.json ───────┼──> one schema ──> parseDataFile (file, line, path)
 *   harness/flows/<mode>/{steps,faults,oracles}/*.schema.json, <mode>Defs ─┘
 */
export function assembleScenarioSchema(): { $id: string } & Record<string, unknown> {
  const envelope = structuredClone(scenarioEnvelopeSchema) as unknown as {
    properties: Record<string, unknown>;
    $defs: Record<string, unknown>;
  };
  const defs: Record<string, unknown> = { ...envelope.$defs };
  for (const flow of Object.values(FLOWS)) {
    for (const [name, definition] of Object.entries(flow.schemaDefs)) {
      if (name in defs) throw new Error(`flow ${flow.mode}: schema definition ${name} is taken`);
      defs[name] = definition;
    }
    defs[`${flow.mode}.fault`] = {
      type: 'object',
      required: ['name'],
      discriminator: { propertyName: 'name' },
      oneOf: flow.faults.map((fault) => fault.schema),
    };
  }
  defs.step = {
    type: 'object',
    required: ['kind'],
    discriminator: { propertyName: 'kind' },
    oneOf: [...STEP_KINDS.values()].map(({ step }) => step.schema),
  };
  defs.oracle = {
    type: 'object',
    required: ['kind'],
    discriminator: { propertyName: 'kind' },
    oneOf: [...ORACLE_KINDS.values()].map(({ oracle }) => oracle.schema),
  };
  return {
    ...envelope,
    $id: SCENARIO_SCHEMA_ID,
    properties: { ...envelope.properties, flow: { enum: Object.keys(FLOWS) } },
    $defs: defs,
  };
}

/** The assembled schema, built once: the registries are fixed for the life of the process. */
export const scenarioSchema = assembleScenarioSchema();
