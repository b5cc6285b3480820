import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { correlationIdOf, type OracleBench } from '../../support/oracleBench.js';

/** alert.fired, shown to pass and to fail (run by oracleKinds.test.ts). */
export function alertFiredCases(bench: () => OracleBench): void {
  describe('alert.fired', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'tampered',
          kind: 'webhook.send',
          title: 'The order total is raised in transit',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          faults: [{ name: 'tamperBody', how: 'amount' }],
        },
        {
          id: 'stale',
          kind: 'webhook.send',
          title: 'Signed 15 minutes before it arrives',
          events: [{ ref: 'e2', type: 'order.created', order: 'o2' }],
          faults: [{ name: 'delay', seconds: 900 }],
        },
        {
          id: 'genuine',
          kind: 'webhook.send',
          title: 'A correctly signed event',
          events: [{ ref: 'e3', type: 'order.created', order: 'o3' }],
        },
      ]);
    });

    it('passes when the alert of that kind and severity was raised for the delivery', async () => {
      const judged = await Promise.all([
        bench().judge(
          {
            kind: 'alert.fired',
            step: 'tampered',
            alert: 'webhook.signature_invalid',
            severity: 'critical',
          },
          context,
        ),
        bench().judge(
          {
            kind: 'alert.fired',
            step: 'stale',
            alert: 'webhook.signature_expired',
            severity: 'warning',
          },
          context,
        ),
      ]);
      expect(judged).toMatchObject([
        { verdict: 'pass', message: '1 alert(s) raised' },
        { verdict: 'pass', message: '1 alert(s) raised' },
      ]);
      // The alert found is the group (partner, kind, window) this delivery counted in: other
      // tampered deliveries of the bench may have opened it, so its first correlation id may differ.
      expect(judged[0]?.actual).toEqual([
        expect.objectContaining({
          kind: 'webhook.signature_invalid',
          severity: 'critical',
          occurrences: expect.any(Number),
        }),
      ]);
    });

    it('fails on the wrong kind, naming the delivery and the alerts it did raise', async () => {
      const check = await bench().judge(
        { kind: 'alert.fired', step: 'tampered', alert: 'webhook.signature_expired' },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'webhook.signature_expired',
        actual: ['webhook.signature_invalid'],
        where: expect.stringContaining(`delivery ${correlationIdOf(context, 'tampered')}`),
        message:
          'no webhook.signature_expired alert for this delivery (found: webhook.signature_invalid)',
      });
    });

    it('fails on the wrong severity, with expected and actual', async () => {
      const check = await bench().judge(
        {
          kind: 'alert.fired',
          step: 'tampered',
          alert: 'webhook.signature_invalid',
          severity: 'warning',
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'warning',
        actual: 'critical',
        message: 'alert severity: expected warning, got critical',
      });
      expect(check.where).toMatch(/, alert severity$/);
    });

    it('fails for a delivery that raised no alert at all', async () => {
      const check = await bench().judge(
        { kind: 'alert.fired', step: 'genuine', alert: 'webhook.signature_invalid' },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        actual: [],
        where: expect.stringContaining(correlationIdOf(context, 'genuine')),
        message: 'no webhook.signature_invalid alert for this delivery',
      });
    });

    it('fails when the selection is empty', async () => {
      const check = await bench().judge(
        {
          kind: 'alert.fired',
          step: 'tampered',
          select: { nth: 3 },
          alert: 'webhook.signature_invalid',
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        message: 'no delivery matched the selection',
      });
    });
  });
}
