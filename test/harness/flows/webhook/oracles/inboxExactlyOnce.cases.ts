import { beforeAll, describe, expect, it } from 'vitest';
import {
  eventIdFor,
  orderNumberFor,
  type ScenarioContext,
} from '../../../../../harness/run/scenarioContext.js';
import type { OracleBench } from '../../../../support/oracleBench.js';

/** inbox.exactlyOnce, shown to pass and to fail (run by webhookOracles.test.ts). */
export function inboxExactlyOnceCases(bench: () => OracleBench): void {
  describe('inbox.exactlyOnce', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'created',
          kind: 'webhook.send',
          title: 'Acme sends two events for two orders',
          events: [
            { ref: 'e1', type: 'order.created', order: 'o1' },
            { ref: 'e2', type: 'order.created', order: 'o2' },
          ],
        },
        { id: 'again', kind: 'webhook.redeliver', title: 'Acme sends them again', of: 'created' },
        {
          id: 'tampered',
          kind: 'webhook.send',
          title: 'An event changed in transit',
          events: [{ ref: 'e3', type: 'order.created', order: 'o3' }],
          faults: [{ name: 'tamperBody' }],
        },
      ]);
    });

    it('passes for events processed once (and replayed as often as expected)', async () => {
      const check = await bench().judge(
        { kind: 'inbox.exactlyOnce', events: ['e1', 'e2'], replayed: 1 },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'pass',
        message: '2 event(s) processed exactly once',
        actual: {
          e1: { deliveries: { processed: 1, replayed: 1 }, in_event_chain: 1 },
          e2: { deliveries: { processed: 1, replayed: 1 }, in_event_chain: 1 },
        },
      });
      // It read what an operator would: the inbox record and the order of each event.
      const paths = check.reads.map((read) => read.path);
      expect(paths).toContain(`/ops/inbox/p_001/${encodeURIComponent(eventIdFor(context, 'e1'))}`);
      expect(paths).toContain(
        `/ops/orders/p_001/${encodeURIComponent(orderNumberFor(context, 'o2'))}`,
      );
    });

    it('passes without a replay count, whatever the replays', async () => {
      expect(
        await bench().judge({ kind: 'inbox.exactlyOnce', events: ['e1'] }, context),
      ).toMatchObject({ verdict: 'pass' });
    });

    it('fails when the replays differ, naming the event, expected and actual', async () => {
      const check = await bench().judge(
        { kind: 'inbox.exactlyOnce', events: ['e1', 'e2'], replayed: 0 },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 0,
        actual: 1,
        where: `event ${eventIdFor(context, 'e1')}, deliveries.replayed`,
        message: 'event e1 shows 1 replayed deliveries',
      });
    });

    it('fails for an event that was refused, and so is not in the inbox', async () => {
      const check = await bench().judge(
        { kind: 'inbox.exactlyOnce', events: ['e1', 'e3'] },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: 'in the inbox',
        actual: 'absent',
        where: `event ${eventIdFor(context, 'e3')}`,
        message: 'event e3 is not in the inbox',
      });
    });

    it('fails for an event that was never sent', async () => {
      const check = await bench().judge({ kind: 'inbox.exactlyOnce', events: ['e9'] }, context);
      expect(check).toMatchObject({
        verdict: 'fail',
        where: `event ${eventIdFor(context, 'e9')}`,
        message: 'event e9 is not in the inbox',
      });
    });
  });
}
