import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../../../../simulators/webhook/deliveryPlan.js';
import { burst } from '../../../../simulators/webhook/faults/burst.js';
import { context, ids, plan } from '../planFixtures.js';

describe('burst fault', () => {
  it('turns each delivery into one wave of count identical copies', () => {
    const result = burst.apply(plan(['evt_1', 'evt_2']), { count: 3 }, context());
    expect(ids(result)).toEqual([
      ['evt_1', 'evt_1', 'evt_1'],
      ['evt_2', 'evt_2', 'evt_2'],
    ]);
    const wave = result[0] ?? [];
    for (const delivery of wave) {
      expect(delivery.faults).toEqual(['burst']);
      expect(signedHeaders(delivery)).toEqual(signedHeaders(wave[0] ?? delivery));
    }
  });
});
