import { describe, expect, it } from 'vitest';
import { expiredToken } from '../../../../simulators/api/faults/expiredToken.js';
import { context, createCall, exportCall, plan } from '../callFixtures.js';

describe('expiredToken fault', () => {
  it('makes every call present a token kept past its expiry, nothing else changed', () => {
    const [read, create] = expiredToken
      .apply(plan(exportCall(), createCall()), {}, context())
      .flat();
    expect(read).toEqual({ ...exportCall(), credential: 'expired', faults: ['expiredToken'] });
    expect(create).toEqual({ ...createCall(), credential: 'expired', faults: ['expiredToken'] });
  });
});
