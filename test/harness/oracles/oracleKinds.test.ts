import { afterAll, beforeAll } from 'vitest';
import { startOracleBench, type OracleBench } from '../../support/oracleBench.js';
import { alertFiredCases } from './alertFired.cases.js';
import { alertNoneCases } from './alertNone.cases.js';
import { auditRecordedCases } from './auditRecorded.cases.js';
import { deliveryResponseCases } from './deliveryResponse.cases.js';
import { deliveryTallyCases } from './deliveryTally.cases.js';
import { logRecordedCases } from './logRecorded.cases.js';
import { metricsIncreasedCases } from './metricsIncreased.cases.js';
import { orderStateCases } from './orderState.cases.js';

// Every general oracle kind, shown to pass and to fail, against what real steps did to a real
// pipeline (a flow's own kinds are tested with the flow, under test/harness/flows/).
// The cases of each kind live beside it in <kind>.cases.ts; they share one in-process pipeline,
// because starting one costs seconds, and each kind plays its own scenario under its own run id,
// so no kind sees another's events, orders or deliveries.

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

deliveryResponseCases(shared);
deliveryTallyCases(shared);
auditRecordedCases(shared);
alertFiredCases(shared);
alertNoneCases(shared);
orderStateCases(shared);
metricsIncreasedCases(shared);
logRecordedCases(shared);
