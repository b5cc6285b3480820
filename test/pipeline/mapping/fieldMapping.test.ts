import { describe, expect, it } from 'vitest';
import type { FieldMappingRule } from '../../../contracts/partners/partnerProfile.js';
import { isOrderCurrency } from '../../../pipeline/mapping/currencyCode.js';
import { mapPartnerRecord } from '../../../pipeline/mapping/fieldMapping.js';
import { parseUtcTimestamp } from '../../../pipeline/mapping/utcTimestamp.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const rules: FieldMappingRule[] = [
  { ours: 'order_id', partner: 'OrderNumber', type: 'string', max_length: 16 },
  { ours: 'total_amount', partner: 'TotalGross', type: 'integer', minimum: 1, maximum: 1_000_000 },
  { ours: 'currency', partner: 'CurrencyCode', type: 'currency' },
  { ours: 'updated_at', partner: 'LastModified', type: 'datetime', not_after_now: true },
  { ours: 'note', partner: 'Note', type: 'string', required: false },
];

const good = {
  OrderNumber: 'ORD-1',
  TotalGross: 1299,
  CurrencyCode: 'EUR',
  LastModified: '2026-01-15T11:00:00Z',
};

function problemsFor(change: Record<string, unknown>, clockSkewS?: number) {
  const result = mapPartnerRecord(rules, { ...good, ...change }, { nowMs: NOW, clockSkewS });
  return result.ok ? [] : result.problems.map(({ field, rule }) => `${field}:${rule}`);
}

describe('mapPartnerRecord: each field by the rule its profile declares', () => {
  it('maps a good record into our field names', () => {
    expect(mapPartnerRecord(rules, good, { nowMs: NOW })).toEqual({
      ok: true,
      record: {
        order_id: 'ORD-1',
        total_amount: 1299,
        currency: 'EUR',
        updated_at: '2026-01-15T11:00:00.000Z',
      },
    });
  });

  it.each([
    [{ OrderNumber: '   ' }, 'OrderNumber:string'],
    [{ OrderNumber: 'ORD\u0007' }, 'OrderNumber:string'],
    [{ OrderNumber: 'x'.repeat(17) }, 'OrderNumber:max_length'],
    [{ TotalGross: 0 }, 'TotalGross:minimum'],
    [{ TotalGross: -5 }, 'TotalGross:minimum'],
    [{ TotalGross: 1_000_001 }, 'TotalGross:maximum'],
    [{ TotalGross: 12.5 }, 'TotalGross:integer'],
    [{ TotalGross: '1299' }, 'TotalGross:integer'],
    [{ CurrencyCode: 'ZZZ' }, 'CurrencyCode:currency'],
    [{ CurrencyCode: 'XTS' }, 'CurrencyCode:currency'],
    [{ CurrencyCode: 'eur' }, 'CurrencyCode:currency'],
    [{ LastModified: '2026-02-30T00:00:00Z' }, 'LastModified:datetime'],
    [{ LastModified: '2026-01-15T11:00:00+01:00' }, 'LastModified:datetime'],
    [{ LastModified: '2026-01-15T12:06:00Z' }, 'LastModified:not_after_now'],
    [{ LastModified: '9999-12-31T23:59:59Z' }, 'LastModified:not_after_now'],
    [{ OrderNumber: undefined }, 'OrderNumber:required'],
  ])('refuses %j (%s), naming the field and the rule', (change, expected) => {
    expect(problemsFor(change)).toEqual([expected]);
  });

  it('allows a LastModified ahead of our clock by no more than the clock skew', () => {
    expect(problemsFor({ LastModified: '2026-01-15T12:04:59Z' })).toEqual([]);
    expect(problemsFor({ LastModified: '2026-01-15T12:00:30Z' }, 10)).toEqual([
      'LastModified:not_after_now',
    ]);
  });

  it('never quotes the value it refuses (problems reach audit rows and alerts)', () => {
    const marker = 'buyer.secret@example.com';
    const result = mapPartnerRecord(
      rules,
      { ...good, OrderNumber: `${marker}${'x'.repeat(20)}` },
      { nowMs: NOW },
    );
    expect(JSON.stringify(result)).not.toContain(marker);
  });
});

describe('parseUtcTimestamp', () => {
  it.each([
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2026-01-15T12:00:00.123456789Z', Date.UTC(2026, 0, 15, 12, 0, 0, 123)],
    ['0001-01-01T00:00:00Z', -62135596800000],
  ])('reads %s', (text, ms) => {
    expect(parseUtcTimestamp(text)).toBe(ms);
  });

  it.each([
    '2026-02-29T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-15T24:00:00Z',
    '2026-01-15T23:59:60Z',
    '0000-01-01T00:00:00Z',
    '2026-01-15 12:00:00Z',
    '2026-01-15T12:00:00',
    '2026-01-15T12:00:00z',
  ])('refuses %s', (text) => {
    expect(parseUtcTimestamp(text)).toBeUndefined();
  });
});

describe('isOrderCurrency', () => {
  it('accepts ISO 4217 currencies and refuses metals, test and no-currency codes', () => {
    expect(['EUR', 'USD', 'JPY', 'CHF', 'XOF'].map(isOrderCurrency)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['XAU', 'XTS', 'XXX', 'ABC', 'EURO', ''].map(isOrderCurrency)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
