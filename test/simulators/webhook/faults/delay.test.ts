import { describe, expect, it } from 'vitest';
import { delay } from '../../../../simulators/webhook/faults/delay.js';
import { NOW_S, WINDOW_S, context, ids, plan, receive } from '../planFixtures.js';

describe('delay fault', () => {
  it('moves every signature timestamp back by the delay and keeps the plan shape', () => {
    const result = delay.apply(plan(['evt_1', 'evt_2']), { seconds: 45 }, context());
    expect(ids(result)).toEqual([['evt_1'], ['evt_2']]);
    for (const delivery of result.flat()) {
      expect(delivery.timestampS).toBe(NOW_S - 45);
      expect(delivery.faults).toEqual(['delay']);
      expect(receive(delivery).ok).toBe(true);
    }
  });

  it('makes a delivery held longer than the window arrive expired', () => {
    const held = delay.apply(plan(['evt_1']), { seconds: WINDOW_S + 5 }, context())[0]?.[0];
    if (!held) throw new Error('plan shape');
    expect(receive(held)).toMatchObject({ ok: false, failure: 'expired' });
  });
});
