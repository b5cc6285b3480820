import { describe, expect, it } from 'vitest';
import { expiredTimestamp } from '../../../../simulators/webhook/faults/expiredTimestamp.js';
import { NOW_S, WINDOW_S, context, plan, receive } from '../planFixtures.js';

describe('expiredTimestamp fault', () => {
  it('by default signs a window plus one minute ago, which the receiver calls expired', () => {
    const result = expiredTimestamp.apply(plan(['evt_1', 'evt_2']), {}, context());
    for (const delivery of result.flat()) {
      expect(delivery.timestampS).toBe(NOW_S - (WINDOW_S + 60));
      expect(delivery.faults).toEqual(['expiredTimestamp']);
      expect(receive(delivery)).toMatchObject({ ok: false, failure: 'expired' });
    }
  });

  it('takes an explicit age', () => {
    const delivery = expiredTimestamp.apply(plan(['evt_1']), { age_s: 10 }, context())[0]?.[0];
    expect(delivery?.timestampS).toBe(NOW_S - 10);
  });
});
