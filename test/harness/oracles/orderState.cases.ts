import { beforeAll, describe, expect, it } from 'vitest';
import {
  eventIdFor,
  orderNumberFor,
  type ScenarioContext,
} from '../../../harness/run/scenarioContext.js';
import type { OracleBench } from '../../support/oracleBench.js';

/** order.state, shown to pass and to fail (run by oracleKinds.test.ts). */
export function orderStateCases(bench: () => OracleBench): void {
  describe('order.state', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'reversed',
          kind: 'webhook.send',
          title: 'Created, updated and cancelled arrive newest first',
          events: [
            {
              ref: 'created',
              type: 'order.created',
              order: 'o1',
              at_s: 0,
              fields: { TotalGross: 10000 },
            },
            {
              ref: 'updated',
              type: 'order.updated',
              order: 'o1',
              at_s: 60,
              fields: { TotalGross: 12500 },
            },
            {
              ref: 'cancelled',
              type: 'order.cancelled',
              order: 'o1',
              at_s: 120,
              fields: { TotalGross: 12500, CurrencyCode: 'CHF' },
            },
          ],
          faults: [{ name: 'reorder', order: 'reverse' }],
        },
        {
          id: 'other',
          kind: 'webhook.send',
          title: 'Another order',
          events: [{ ref: 'other', type: 'order.created', order: 'o2' }],
        },
      ]);
    });

    const where = (field: string) => `order ${orderNumberFor(context, 'o1')}, ${field}`;

    it('passes when the order holds the state its latest event carried (mapped)', async () => {
      const check = await bench().judge(
        {
          kind: 'order.state',
          order: 'o1',
          matches_event: 'cancelled',
          chain: { cancelled: 'applied', updated: 'superseded', created: 'superseded' },
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'pass',
        expected: { status: 'cancelled', total_amount: 12500, currency: 'CHF' },
        actual: { status: 'cancelled', total_amount: 12500, currency: 'CHF' },
      });
    });

    it('passes on explicit values', async () => {
      expect(
        await bench().judge(
          {
            kind: 'order.state',
            order: 'o1',
            expect: { status: 'cancelled', total_amount: 12500 },
          },
          context,
        ),
      ).toMatchObject({ verdict: 'pass' });
    });

    it('fails on a wrong value, naming the order, the field, expected and actual', async () => {
      const check = await bench().judge(
        { kind: 'order.state', order: 'o1', expect: { status: 'cancelled', total_amount: 10000 } },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        where: where('field total_amount'),
        message: 'total_amount: expected 10000, got 12500',
      });
    });

    it('fails when the order does not hold the state of the event named', async () => {
      const check = await bench().judge(
        { kind: 'order.state', order: 'o1', matches_event: 'created' },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        where: where('field status'),
        message: 'status: expected "open", got "cancelled"',
        expected: { status: 'open', total_amount: 10000, currency: 'EUR' },
        actual: { status: 'cancelled', total_amount: 12500, currency: 'CHF' },
      });
    });

    it('fails when an event of the chain ended otherwise', async () => {
      const check = await bench().judge(
        {
          kind: 'order.state',
          order: 'o1',
          chain: { cancelled: 'applied', updated: 'applied', created: 'superseded' },
        },
        context,
      );
      const updated = eventIdFor(context, 'updated');
      expect(check).toMatchObject({
        verdict: 'fail',
        where: where(`event_chain ${updated}`),
        message: `event ${updated}: expected applied, got superseded`,
      });
    });

    it('fails when the chain holds an event the expectation leaves out', async () => {
      const check = await bench().judge(
        {
          kind: 'order.state',
          order: 'o1',
          chain: { cancelled: 'applied', updated: 'superseded' },
        },
        context,
      );
      const created = eventIdFor(context, 'created');
      expect(check).toMatchObject({
        verdict: 'fail',
        where: where(`event_chain ${created}`),
        message: `event ${created}: expected not in the chain, got superseded`,
      });
    });

    it('fails when an expected event is missing from the chain', async () => {
      const check = await bench().judge(
        {
          kind: 'order.state',
          order: 'o1',
          chain: {
            cancelled: 'applied',
            updated: 'superseded',
            created: 'superseded',
            other: 'superseded',
          },
        },
        context,
      );
      const other = eventIdFor(context, 'other');
      expect(check).toMatchObject({
        verdict: 'fail',
        where: where(`event_chain ${other}`),
        message: `event ${other}: expected superseded, got not in the chain`,
      });
    });

    it('fails for an order that does not exist', async () => {
      const check = await bench().judge({ kind: 'order.state', order: 'o9' }, context);
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'an order',
        actual: null,
        where: `order ${orderNumberFor(context, 'o9')}`,
        message: 'order o9 does not exist',
      });
    });

    it('cannot be judged against an event that was never sent', async () => {
      await expect(
        bench().judge({ kind: 'order.state', order: 'o1', matches_event: 'ghost' }, context),
      ).rejects.toThrow('event ghost was never sent');
    });
  });
}
