import { describe, expect, it } from 'vitest';
import { tamperBody } from '../../../../simulators/webhook/faults/tamperBody.js';
import { partnerEventBody } from '../../../../simulators/webhook/partnerEvent.js';
import { context, plan, receive, spec } from '../planFixtures.js';

function tampered(how?: 'amount' | 'whitespace' | 'truncate') {
  const original = plan(['evt_1']);
  const delivery = tamperBody.apply(original, how ? { how } : {}, context())[0]?.[0];
  const before = original[0]?.[0];
  if (!delivery || !before) throw new Error('plan shape');
  return { delivery, before };
}

describe('tamperBody fault', () => {
  it('by default raises the order total by one minor unit and keeps valid JSON', () => {
    const { delivery, before } = tampered();
    expect(delivery.signedBody.equals(before.signedBody)).toBe(true);
    const sent = JSON.parse(delivery.body.toString('utf8')) as {
      event_id: string;
      data: { order: { TotalGross: number; OrderNumber: string } };
    };
    expect(sent.data.order.TotalGross).toBe(2000);
    expect(sent.data.order.OrderNumber).toBe('A-evt_1');
    expect(sent.event_id).toBe('evt_1');
    expect(delivery.faults).toEqual(['tamperBody']);
    expect(receive(delivery)).toMatchObject({ ok: false, failure: 'mismatch' });
  });

  it('marks an order without TotalGross instead', () => {
    const body = partnerEventBody({
      eventId: 'evt_9',
      type: 'order.cancelled',
      occurredAt: '2023-11-14T22:13:20.000Z',
      order: { OrderNumber: 'A-9' },
    });
    const delivery = { ...spec('evt_9'), body, signedBody: body };
    const result = tamperBody.apply([[delivery]], {}, context())[0]?.[0];
    expect(JSON.parse(result?.body.toString('utf8') ?? '')).toMatchObject({
      data: { order: { OrderNumber: 'A-9', Tampered: true } },
    });
  });

  it('whitespace adds one space after the signed bytes', () => {
    const { delivery, before } = tampered('whitespace');
    expect(delivery.body.toString('utf8')).toBe(`${before.signedBody.toString('utf8')} `);
    expect(receive(delivery)).toMatchObject({ ok: false, failure: 'mismatch' });
  });

  it('truncate cuts the last byte', () => {
    const { delivery, before } = tampered('truncate');
    expect(delivery.body.equals(before.signedBody.subarray(0, before.signedBody.length - 1))).toBe(
      true,
    );
    expect(receive(delivery)).toMatchObject({ ok: false, failure: 'mismatch' });
  });

  it('leaves the original plan untouched', () => {
    const { before } = tampered();
    expect(before.body.equals(before.signedBody)).toBe(true);
    expect(before.faults).toEqual([]);
  });
});
