import { describe, expect, it } from 'vitest';
import {
  SCHEMA_FAULT_NAMES,
  SCHEMA_ORACLE_KINDS,
  SCHEMA_STEP_KINDS,
} from '../../contracts/scenarios/scenario.js';
import { ORACLE_KINDS } from '../../harness/oracles/index.js';
import { STEP_KINDS } from '../../harness/steps/index.js';
import { WEBHOOK_FAULTS } from '../../simulators/webhook/faults/index.js';

// A name the schema accepts but no registry implements fails a scenario at run time; one a
// registry implements but the schema refuses can never be used. Both registries and the schema
// must therefore name exactly the same things.
describe('the step, oracle and fault registries agree with the scenario schema', () => {
  it.each([
    ['step kinds', STEP_KINDS, SCHEMA_STEP_KINDS],
    ['oracle kinds', ORACLE_KINDS, SCHEMA_ORACLE_KINDS],
    ['webhook faults', WEBHOOK_FAULTS, SCHEMA_FAULT_NAMES],
  ] as const)('%s', (_name, registry, schemaNames) => {
    expect(Object.keys(registry).sort()).toEqual([...schemaNames].sort());
    expect(schemaNames.length).toBeGreaterThan(0);
  });

  it('registers each entry under its own name, with a summary for `b2b scenarios list`', () => {
    for (const [name, step] of Object.entries(STEP_KINDS)) {
      expect(step.kind).toBe(name);
      expect(step.summary.length).toBeGreaterThan(10);
    }
    for (const [name, oracle] of Object.entries(ORACLE_KINDS)) {
      expect(oracle.kind).toBe(name);
      expect(oracle.summary.length).toBeGreaterThan(10);
    }
    for (const [name, fault] of Object.entries(WEBHOOK_FAULTS)) {
      expect(fault.name).toBe(name);
      expect(fault.summary.length).toBeGreaterThan(10);
    }
  });
});
