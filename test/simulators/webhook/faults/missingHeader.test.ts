import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../../../../simulators/webhook/deliveryPlan.js';
import { missingHeader } from '../../../../simulators/webhook/faults/missingHeader.js';
import { context, plan, receive } from '../planFixtures.js';

function only(result: ReturnType<typeof missingHeader.apply>) {
  const delivery = result[0]?.[0];
  if (!delivery) throw new Error('plan shape');
  return delivery;
}

describe('missingHeader fault', () => {
  it('drops X-Signature for the x-signature scheme', () => {
    const delivery = only(missingHeader.apply(plan(['evt_1'], 'x-signature'), {}, context()));
    expect(signedHeaders(delivery)).toEqual({});
    expect(delivery.faults).toEqual(['missingHeader']);
    expect(receive(delivery)).toMatchObject({ ok: false, failure: 'missing' });
  });

  it('drops only webhook-signature for Standard Webhooks', () => {
    const delivery = only(missingHeader.apply(plan(['evt_1'], 'standard-webhooks'), {}, context()));
    expect(Object.keys(signedHeaders(delivery)).sort()).toEqual([
      'webhook-id',
      'webhook-timestamp',
    ]);
    const check = receive(delivery);
    expect(check).toMatchObject({ ok: false, failure: 'missing' });
    if (!check.ok) expect(check.detail).toContain('webhook-signature');
  });

  it('drops another named header instead', () => {
    const delivery = only(
      missingHeader.apply(
        plan(['evt_1'], 'standard-webhooks'),
        { header: 'webhook-id' },
        context(),
      ),
    );
    expect(Object.keys(signedHeaders(delivery)).sort()).toEqual([
      'webhook-signature',
      'webhook-timestamp',
    ]);
    expect(receive(delivery)).toMatchObject({ ok: false, failure: 'missing' });
  });
});
