import { describe, expect, it } from 'vitest';
import { wrongSecret } from '../../../../simulators/webhook/faults/wrongSecret.js';
import { SECRET, context, plan, receive } from '../planFixtures.js';

describe('wrongSecret fault', () => {
  it('signs every delivery with one fresh secret the receiver does not know', () => {
    const result = wrongSecret.apply(plan(['evt_1', 'evt_2'], 'standard-webhooks'), {}, context());
    const secrets = new Set(result.flat().map((delivery) => delivery.secret));
    expect(secrets.size).toBe(1);
    const [secret] = [...secrets];
    expect(secret).not.toBe(SECRET);
    expect(secret?.startsWith('whsec_')).toBe(true);
    for (const delivery of result.flat()) {
      expect(delivery.faults).toEqual(['wrongSecret']);
      expect(receive(delivery)).toMatchObject({ ok: false, failure: 'mismatch' });
    }
  });
});
