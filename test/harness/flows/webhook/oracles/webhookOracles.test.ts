import { afterAll, beforeAll } from 'vitest';
import { startOracleBench, type OracleBench } from '../../../../support/oracleBench.js';
import { inboxAbsentCases } from './inboxAbsent.cases.js';
import { inboxExactlyOnceCases } from './inboxExactlyOnce.cases.js';

// The webhook flow's own oracle kinds (about the webhook inbox), shown to pass and to fail against
// what real steps did to a real pipeline, on one shared in-process pipeline; each kind plays its
// own scenario under its own run id.

let bench: OracleBench | undefined;

function shared(): OracleBench {
  if (!bench) throw new Error('the oracle bench has not started');
  return bench;
}

beforeAll(async () => {
  bench = await startOracleBench();
});

afterAll(async () => {
  await bench?.close();
});

inboxExactlyOnceCases(shared);
inboxAbsentCases(shared);
