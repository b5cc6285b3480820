import { afterAll, beforeAll } from 'vitest';
import { startApiBench, type ApiBench } from '../apiBench.js';
import { apiResponseCases } from './apiResponse.cases.js';
import { exportCompleteCases } from './exportComplete.cases.js';
import { exportNoDuplicatesCases } from './exportNoDuplicates.cases.js';
import { exportPaginationInvariantsCases } from './exportPaginationInvariants.cases.js';

// The api flow's oracle kinds, each shown to pass and to fail against what real steps did to a
// real pipeline (and, where only a faulty pipeline would answer so, against those answers
// edited). One in-process pipeline for all, since starting one costs seconds; each kind plays its
// scenarios under run ids and a changed_since of their own, so none sees another's orders.

let bench: ApiBench | undefined;

function shared(): ApiBench {
  if (!bench) throw new Error('the api bench has not started');
  return bench;
}

beforeAll(async () => {
  bench = await startApiBench();
});

afterAll(async () => {
  await bench?.close();
});

exportCompleteCases(shared);
exportNoDuplicatesCases(shared);
exportPaginationInvariantsCases(shared);
apiResponseCases(shared);
