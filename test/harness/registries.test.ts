import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../contracts/schemaValidator.js';
import { FLOWS, ORACLE_KINDS, STEP_KINDS } from '../../harness/flows/index.js';
import { schemaName } from '../../harness/flows/kindSchema.js';
import { scenarioSchema } from '../../harness/scenarios/scenarioSchema.js';
import { WEBHOOK_FAULTS } from '../../simulators/webhook/faults/index.js';

type Branches = { oneOf: { properties: Record<string, { const?: string }> }[] };

/** The names the assembled scenario schema accepts for steps, oracles or one flow's faults. */
function schemaNames(definition: string, field: 'kind' | 'name'): string[] {
  const defs = (scenarioSchema as unknown as { $defs: Record<string, Branches> }).$defs;
  return (defs[definition]?.oneOf ?? []).map((branch) => branch.properties[field]?.const ?? '');
}

// A name the schema accepts but no registry implements fails a scenario at run time; one a
// registry implements but the schema refuses can never be used. The scenario schema is assembled
// from each kind's own schema, so they agree by construction; these tests hold the pieces to it.
describe('the flows, their kinds and the scenario schema agree', () => {
  it('names every step kind, oracle kind and fault in the schema, each by its own name', () => {
    expect(schemaNames('step', 'kind')).toEqual([...STEP_KINDS.keys()]);
    expect(schemaNames('oracle', 'kind')).toEqual([...ORACLE_KINDS.keys()]);
    for (const flow of Object.values(FLOWS))
      expect(schemaNames(`${flow.mode}.fault`, 'name')).toEqual(
        flow.faults.map((fault) => fault.name),
      );
    expect(STEP_KINDS.size).toBeGreaterThan(0);
  });

  it('gives each kind a schema fixing its name, and a summary for `b2b scenarios list`', () => {
    for (const [name, { step }] of STEP_KINDS) {
      expect(schemaName(step.schema, 'kind')).toBe(name);
      expect(step.summary.length).toBeGreaterThan(10);
    }
    for (const [name, { oracle }] of ORACLE_KINDS) {
      expect(schemaName(oracle.schema, 'kind')).toBe(name);
      expect(oracle.summary.length).toBeGreaterThan(10);
    }
    for (const flow of Object.values(FLOWS))
      for (const fault of flow.faults) {
        expect(schemaName(fault.schema, 'name')).toBe(fault.name);
        expect(fault.summary.length).toBeGreaterThan(10);
      }
  });

  it('offers every fault the webhook sender implements, and no other', () => {
    expect(FLOWS.webhook?.faults.map((fault) => fault.name)).toEqual(Object.keys(WEBHOOK_FAULTS));
  });

  it('files each flow under its mode, and the assembled schema compiles', () => {
    for (const [mode, flow] of Object.entries(FLOWS)) expect(flow.mode).toBe(mode);
    expect(() => compileSchema(scenarioSchema)).not.toThrow();
  });
});
