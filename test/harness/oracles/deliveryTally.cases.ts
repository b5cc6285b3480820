import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { unreachableInbox, type OracleBench } from '../../support/oracleBench.js';

/** delivery.tally, shown to pass and to fail (run by oracleKinds.test.ts). */
export function deliveryTallyCases(bench: () => OracleBench): void {
  describe('delivery.tally', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'storm',
          kind: 'webhook.send',
          title: 'A retry storm: the same event four times at once',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          faults: [{ name: 'burst', count: 4 }],
        },
        {
          id: 'mixed',
          kind: 'webhook.send',
          title: 'An event, then a copy of it replayed after the window',
          events: [{ ref: 'e2', type: 'order.created', order: 'o2' }],
          faults: [{ name: 'replay', after_s: 900 }],
        },
      ]);
    });

    it('passes when the outcomes, counted, equal the expectation exactly', async () => {
      expect(
        await bench().judge(
          { kind: 'delivery.tally', step: 'storm', expect: { processed: 1, replayed: 3 } },
          context,
        ),
      ).toMatchObject({ verdict: 'pass', actual: { processed: 1, replayed: 3 } });
    });

    it('counts refusals by their error code', async () => {
      expect(
        await bench().judge(
          { kind: 'delivery.tally', step: 'mixed', expect: { processed: 1, signature_expired: 1 } },
          context,
        ),
      ).toMatchObject({ verdict: 'pass', actual: { processed: 1, signature_expired: 1 } });
    });

    it('fails on a wrong count, naming the step, the outcome, expected and actual', async () => {
      const check = await bench().judge(
        { kind: 'delivery.tally', step: 'storm', expect: { processed: 1, replayed: 2 } },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        where: 'step "storm", replayed',
        message: 'replayed: expected 2, got 3',
        expected: { processed: 1, replayed: 2 },
        actual: { processed: 1, replayed: 3 },
      });
    });

    it('fails on an outcome the expectation does not mention', async () => {
      const check = await bench().judge(
        { kind: 'delivery.tally', step: 'storm', expect: { processed: 1 } },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        where: 'step "storm", replayed',
        message: 'replayed: expected 0, got 3',
      });
    });

    it('fails on an expected outcome that never happened', async () => {
      const check = await bench().judge(
        {
          kind: 'delivery.tally',
          step: 'mixed',
          expect: { processed: 1, signature_expired: 1, event_conflict: 1 },
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        where: 'step "mixed", event_conflict',
        message: 'event_conflict: expected 1, got 0',
      });
    });

    it('counts deliveries that got no answer as no_answer', async () => {
      const unreachable = await bench().play(
        [
          {
            id: 'unanswered',
            kind: 'webhook.send',
            title: 'Sent to an inbox that is down',
            events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          },
        ],
        { target: await unreachableInbox() },
      );
      expect(
        await bench().judge(
          { kind: 'delivery.tally', step: 'unanswered', expect: { no_answer: 1 } },
          unreachable,
        ),
      ).toMatchObject({ verdict: 'pass' });
      expect(
        await bench().judge(
          { kind: 'delivery.tally', step: 'unanswered', expect: { processed: 1 } },
          unreachable,
        ),
      ).toMatchObject({ verdict: 'fail', message: 'no_answer: expected 0, got 1' });
    });
  });
}
