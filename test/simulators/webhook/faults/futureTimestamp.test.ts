import { describe, expect, it } from 'vitest';
import { futureTimestamp } from '../../../../simulators/webhook/faults/futureTimestamp.js';
import { NOW_S, WINDOW_S, context, plan, receive } from '../planFixtures.js';

describe('futureTimestamp fault', () => {
  it('by default signs a window plus one minute ahead, which the receiver calls future', () => {
    const result = futureTimestamp.apply(plan(['evt_1'], 'standard-webhooks'), {}, context());
    const delivery = result[0]?.[0];
    expect(delivery?.timestampS).toBe(NOW_S + WINDOW_S + 60);
    expect(delivery?.faults).toEqual(['futureTimestamp']);
    if (!delivery) throw new Error('plan shape');
    expect(receive(delivery)).toMatchObject({ ok: false, failure: 'future' });
  });

  it('takes an explicit lead', () => {
    const delivery = futureTimestamp.apply(plan(['evt_1']), { ahead_s: 30 }, context())[0]?.[0];
    expect(delivery?.timestampS).toBe(NOW_S + 30);
  });
});
