import { describe, expect, it } from 'vitest';
import { burstBeyondRateLimit } from '../../../../simulators/api/faults/burstBeyondRateLimit.js';
import { context, exportCall, plan } from '../callFixtures.js';

describe('burstBeyondRateLimit fault', () => {
  it('sends twice the limit plus one at once, none retried on 429', () => {
    const [wave, ...rest] = burstBeyondRateLimit.apply(
      plan(exportCall()),
      {},
      context({ requests: 50, perS: 1 }),
    );
    expect(rest).toEqual([]);
    expect(wave).toHaveLength(101);
    for (const call of wave ?? [])
      expect(call).toMatchObject({ retryWhenLimited: false, faults: ['burstBeyondRateLimit'] });
  });

  it('takes an explicit count, and asks for one when the profile has no limit', () => {
    expect(burstBeyondRateLimit.apply(plan(exportCall()), { count: 3 }, context())[0]).toHaveLength(
      3,
    );
    expect(() => burstBeyondRateLimit.apply(plan(exportCall()), {}, context())).toThrow(
      /give count/,
    );
  });
});
