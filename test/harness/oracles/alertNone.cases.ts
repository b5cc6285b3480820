import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { correlationIdOf, type OracleBench } from '../../support/oracleBench.js';

/** alert.none, shown to pass and to fail (run by oracleKinds.test.ts). */
export function alertNoneCases(bench: () => OracleBench): void {
  describe('alert.none', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'created',
          kind: 'webhook.send',
          title: 'Acme sends order.created twice',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          faults: [{ name: 'duplicate' }],
        },
        { id: 'replay', kind: 'webhook.redeliver', title: 'Acme replays it', of: 'created' },
        {
          id: 'impostor',
          kind: 'webhook.send',
          title: 'Signed with a secret the pipeline never issued',
          events: [{ ref: 'e2', type: 'order.created', order: 'o2' }],
          faults: [{ name: 'wrongSecret' }],
        },
      ]);
    });

    it('passes when no delivery of the steps raised an alert', async () => {
      const check = await bench().judge(
        { kind: 'alert.none', steps: ['created', 'replay'] },
        context,
      );
      expect(check).toMatchObject({ verdict: 'pass', message: 'no alert for 3 deliveries' });
      expect(check.reads).toHaveLength(3);
    });

    it('fails for a step whose delivery raised an alert, naming delivery and alert', async () => {
      const check = await bench().judge(
        { kind: 'alert.none', steps: ['created', 'impostor'] },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: [],
        actual: ['webhook.signature_invalid'],
        where: expect.stringContaining(`delivery ${correlationIdOf(context, 'impostor')}`),
        message: 'unexpected alert webhook.signature_invalid',
      });
      expect(check.where).toContain('faults wrongSecret');
    });
  });
}
