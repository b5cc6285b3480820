import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../../../../simulators/webhook/deliveryPlan.js';
import { duplicate } from '../../../../simulators/webhook/faults/duplicate.js';
import { context, ids, plan, receive } from '../planFixtures.js';

describe('duplicate fault', () => {
  it('adds after each wave an identical wave: same body, same signature', () => {
    const original = plan(['evt_1', 'evt_2']);
    const result = duplicate.apply(original, {}, context());
    expect(ids(result)).toEqual([['evt_1'], ['evt_1'], ['evt_2'], ['evt_2']]);
    const [first, copy] = [result[0]?.[0], result[1]?.[0]];
    if (!first || !copy) throw new Error('plan shape');
    expect(copy.body.equals(first.body)).toBe(true);
    expect(signedHeaders(copy)).toEqual(signedHeaders(first));
    expect(receive(copy).ok).toBe(true);
    expect(first.faults).toEqual([]);
    expect(copy.faults).toEqual(['duplicate']);
  });

  it('sends as many copies as asked', () => {
    expect(ids(duplicate.apply(plan(['evt_1']), { copies: 3 }, context()))).toEqual([
      ['evt_1'],
      ['evt_1'],
      ['evt_1'],
      ['evt_1'],
    ]);
  });
});
