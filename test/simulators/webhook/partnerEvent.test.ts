import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../../contracts/schemaValidator.js';
import { orderEventSchema, type OrderEvent } from '../../../contracts/webhooks/orderEvent.js';
import { partnerEventBody } from '../../../simulators/webhook/partnerEvent.js';

describe('partnerEventBody', () => {
  const event = {
    eventId: 'evt_20261123-01',
    type: 'order.updated',
    occurredAt: '2026-11-23T14:44:00.000Z',
    order: { OrderNumber: 'A-1', TotalGross: 1999, BuyerEmail: 'jane@example.com' },
  };

  it('sends our envelope with the order in the partner field names, as compact JSON', () => {
    expect(partnerEventBody(event).toString('utf8')).toBe(
      '{"event_id":"evt_20261123-01","type":"order.updated","occurred_at":"2026-11-23T14:44:00.000Z",' +
        '"data":{"order":{"OrderNumber":"A-1","TotalGross":1999,"BuyerEmail":"jane@example.com"}}}',
    );
  });

  it('matches the order event contract the inbox validates against', () => {
    const validate = compileSchema<OrderEvent>(orderEventSchema);
    expect(validate(JSON.parse(partnerEventBody(event).toString('utf8')))).toBe(true);
    const bad = JSON.parse(partnerEventBody({ ...event, type: 'order.shipped' }).toString('utf8'));
    expect(validate(bad)).toBe(false);
  });
});
