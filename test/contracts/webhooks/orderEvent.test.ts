import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../../contracts/schemaValidator.js';
import {
  CORRELATION_ID_PATTERN,
  ORDER_EVENT_TYPES,
  orderEventSchema,
  type OrderEvent,
} from '../../../contracts/webhooks/orderEvent.js';

const validate = compileSchema<OrderEvent>(orderEventSchema);

const valid: OrderEvent = {
  event_id: 'evt_20261123T144400Z-3f9a1c:1',
  type: 'order.created',
  occurred_at: '2026-11-23T14:44:00Z',
  data: { order: { OrderNumber: 'A-1', TotalGross: 1999 } },
};

describe('order event contract', () => {
  it('accepts every event type the inbox handles', () => {
    for (const type of ORDER_EVENT_TYPES) expect(validate({ ...valid, type })).toBe(true);
  });

  it('refuses an unknown type, a non-UTC time, an unsafe event id and extra fields', () => {
    expect(validate({ ...valid, type: 'order.shipped' })).toBe(false);
    expect(validate({ ...valid, occurred_at: '2026-11-23T15:44:00+01:00' })).toBe(false);
    expect(validate({ ...valid, occurred_at: 'yesterday' })).toBe(false);
    expect(validate({ ...valid, event_id: 'evt 1' })).toBe(false);
    expect(validate({ ...valid, event_id: '' })).toBe(false);
    expect(validate({ ...valid, extra: 1 })).toBe(false);
    expect(validate({ ...valid, data: { order: 'A-1' } })).toBe(false);
  });
});

describe('CORRELATION_ID_PATTERN', () => {
  it('accepts the ids the harness makes and refuses header-injection material', () => {
    expect(CORRELATION_ID_PATTERN.test('20261123T144400Z-3f9a1c.s1.2.7')).toBe(true);
    expect(CORRELATION_ID_PATTERN.test('a:b_c-d')).toBe(true);
    expect(CORRELATION_ID_PATTERN.test('has space')).toBe(false);
    expect(CORRELATION_ID_PATTERN.test('line\nbreak')).toBe(false);
    expect(CORRELATION_ID_PATTERN.test('x'.repeat(129))).toBe(false);
    expect(CORRELATION_ID_PATTERN.test('')).toBe(false);
  });
});
