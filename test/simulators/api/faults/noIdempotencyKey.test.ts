import { describe, expect, it } from 'vitest';
import { noIdempotencyKey } from '../../../../simulators/api/faults/noIdempotencyKey.js';
import { context, createCall, exportCall, plan } from '../callFixtures.js';

describe('noIdempotencyKey fault', () => {
  it('drops the Idempotency-Key header from creations, whatever its case', () => {
    const call = {
      ...createCall(),
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
    };
    const [create] = noIdempotencyKey.apply(plan(call), {}, context()).flat();
    expect(create?.headers).toEqual({ 'content-type': 'application/json' });
    expect(create?.faults).toEqual(['noIdempotencyKey']);
  });

  it('leaves reads alone', () => {
    expect(noIdempotencyKey.apply(plan(exportCall()), {}, context())).toEqual(plan(exportCall()));
  });
});
