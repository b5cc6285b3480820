import { describe, expect, it } from 'vitest';
import { replay } from '../../../../simulators/webhook/faults/replay.js';
import { NOW_S, WINDOW_S, context, ids, plan, receive } from '../planFixtures.js';

describe('replay fault', () => {
  it('adds after each wave a copy signed after_s seconds earlier', () => {
    const result = replay.apply(plan(['evt_1', 'evt_2']), { after_s: 120 }, context());
    expect(ids(result)).toEqual([['evt_1'], ['evt_1'], ['evt_2'], ['evt_2']]);
    const copy = result[1]?.[0];
    expect(result[0]?.[0]?.timestampS).toBe(NOW_S);
    expect(copy?.timestampS).toBe(NOW_S - 120);
    expect(copy?.faults).toEqual(['replay']);
    expect(copy?.body.equals(result[0]?.[0]?.body ?? Buffer.alloc(0))).toBe(true);
  });

  it('is authentic inside the window (the inbox must dedupe it) and expired beyond it', () => {
    const inside = replay.apply(plan(['evt_1']), { after_s: WINDOW_S }, context())[1]?.[0];
    const beyond = replay.apply(plan(['evt_1']), { after_s: WINDOW_S + 1 }, context())[1]?.[0];
    if (!inside || !beyond) throw new Error('plan shape');
    expect(receive(inside).ok).toBe(true);
    expect(receive(beyond)).toMatchObject({ ok: false, failure: 'expired' });
  });
});
