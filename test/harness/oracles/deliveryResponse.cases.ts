import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { exchangesOf, type OracleBench } from '../../support/oracleBench.js';

/** delivery.response, shown to pass and to fail (run by oracleKinds.test.ts). */
export function deliveryResponseCases(bench: () => OracleBench): void {
  describe('delivery.response', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'sent_twice',
          kind: 'webhook.send',
          title: 'Acme sends order.created, and its sender sends it again',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          faults: [{ name: 'duplicate' }],
        },
        {
          id: 'tampered',
          kind: 'webhook.send',
          title: 'The body is changed after signing',
          events: [{ ref: 'e2', type: 'order.created', order: 'o2' }],
          faults: [{ name: 'tamperBody', how: 'amount' }],
        },
      ]);
    });

    it('passes when every delivery of the step got the expected answer', async () => {
      const check = await bench().judge(
        {
          kind: 'delivery.response',
          step: 'tampered',
          expect: { status: 401, error_code: 'signature_invalid' },
        },
        context,
      );
      expect(check).toMatchObject({ verdict: 'pass', message: '1 delivery answered as expected' });
    });

    it('selects deliveries by fault, without a fault, and by position', async () => {
      const judged = await Promise.all([
        bench().judge(
          {
            kind: 'delivery.response',
            step: 'sent_twice',
            select: { fault: 'duplicate' },
            expect: { status: 200, outcome: 'replayed' },
          },
          context,
        ),
        bench().judge(
          {
            kind: 'delivery.response',
            step: 'sent_twice',
            select: { without_fault: 'duplicate' },
            expect: { status: 200, outcome: 'processed', effect: 'applied' },
          },
          context,
        ),
        bench().judge(
          {
            kind: 'delivery.response',
            step: 'sent_twice',
            select: { nth: 1 },
            expect: { outcome: 'replayed' },
          },
          context,
        ),
      ]);
      expect(judged.map((check) => check.verdict)).toEqual(['pass', 'pass', 'pass']);
    });

    it('fails on a wrong status, naming the delivery, the field, expected and actual', async () => {
      const record = exchangesOf(context, 'tampered')[0];
      const check = await bench().judge(
        {
          kind: 'delivery.response',
          step: 'tampered',
          expect: { status: 200, outcome: 'processed' },
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 200,
        actual: 401,
        message: 'status: expected 200, got 401',
      });
      expect(check.where).toContain(`delivery ${record?.correlation_id}`);
      expect(check.where).toContain(`event ${record?.message_id}`);
      expect(check.where).toContain('faults tamperBody');
      expect(check.where).toMatch(/field status$/);
    });

    it('fails when any selected delivery differs: all of them must match', async () => {
      const check = await bench().judge(
        {
          kind: 'delivery.response',
          step: 'sent_twice',
          expect: { status: 200, outcome: 'processed' },
        },
        context,
      );
      const replay = exchangesOf(context, 'sent_twice')[1];
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'processed',
        actual: 'replayed',
        message: 'outcome: expected "processed", got "replayed"',
      });
      expect(check.where).toContain(replay?.correlation_id);
      expect(check.where).toContain('faults duplicate');
    });

    it('fails on a wrong error code by the nth delivery', async () => {
      const check = await bench().judge(
        {
          kind: 'delivery.response',
          step: 'tampered',
          select: { nth: 0 },
          expect: { status: 401, error_code: 'signature_expired' },
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        message: 'error_code: expected "signature_expired", got "signature_invalid"',
      });
    });

    it.each([
      [{ fault: 'wrongSecret' }, 'step "sent_twice" (with fault wrongSecret)'],
      [{ nth: 2 }, 'step "sent_twice" (#2)'],
      [
        { fault: 'duplicate', without_fault: 'duplicate' },
        'step "sent_twice" (with fault duplicate, without fault duplicate)',
      ],
    ])('fails when the selection %j matches no delivery', async (select, where) => {
      const check = await bench().judge(
        { kind: 'delivery.response', step: 'sent_twice', select, expect: { status: 200 } },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        where,
        message: 'no delivery matched the selection',
        actual: [],
      });
    });

    it('judges from the answers alone: it reads nothing from the ops API', async () => {
      const check = await bench().judge(
        { kind: 'delivery.response', step: 'tampered', expect: { status: 401 } },
        context,
      );
      expect(check.reads).toEqual([]);
    });
  });
}
