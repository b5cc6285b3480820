import { beforeAll, describe, expect, it } from 'vitest';
import { eventIdFor, type ScenarioContext } from '../../../../../harness/run/scenarioContext.js';
import type { OracleBench } from '../../../../support/oracleBench.js';

/** inbox.absent, shown to pass and to fail (run by webhookOracles.test.ts). */
export function inboxAbsentCases(bench: () => OracleBench): void {
  describe('inbox.absent', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'impostor',
          kind: 'webhook.send',
          title: 'Signed with a secret the pipeline never issued',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          faults: [{ name: 'wrongSecret' }],
        },
        {
          id: 'unsigned',
          kind: 'webhook.send',
          title: 'Sent without its signature header',
          events: [{ ref: 'e2', type: 'order.created', order: 'o2' }],
          faults: [{ name: 'missingHeader' }],
        },
        {
          id: 'genuine',
          kind: 'webhook.send',
          title: 'A correctly signed event',
          events: [{ ref: 'e3', type: 'order.created', order: 'o3' }],
        },
      ]);
    });

    it('passes for refused events: not in the inbox, in no event chain', async () => {
      const check = await bench().judge({ kind: 'inbox.absent', events: ['e1', 'e2'] }, context);
      expect(check).toMatchObject({
        verdict: 'pass',
        message: '2 event(s) left no trace in inbox or orders',
      });
    });

    it('fails for an event that was processed, naming it and how often', async () => {
      const check = await bench().judge({ kind: 'inbox.absent', events: ['e1', 'e3'] }, context);
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'absent',
        actual: expect.objectContaining({
          event_id: eventIdFor(context, 'e3'),
          deliveries: expect.objectContaining({ processed: 1 }),
        }),
        where: `event ${eventIdFor(context, 'e3')}`,
        message: 'event e3 is in the inbox (processed 1×)',
      });
    });
  });
}
