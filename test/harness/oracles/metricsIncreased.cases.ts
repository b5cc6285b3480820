import { describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { sumMatching } from '../../../harness/sut/metricsSnapshot.js';
import type { OracleBench } from '../../support/oracleBench.js';

/** metrics.increased, shown to pass and to fail (run by oracleKinds.test.ts). */
export function metricsIncreasedCases(bench: () => OracleBench): void {
  describe('metrics.increased', () => {
    const DELIVERIES = 'b2b_webhook_deliveries_total';

    /** A scenario that replays one event twice; metricsAtStart is scraped just before it. */
    async function replayedTwice(): Promise<ScenarioContext> {
      return bench().play([
        {
          id: 'created',
          kind: 'webhook.send',
          title: 'Acme sends order.created, then twice more',
          events: [{ ref: 'e1', type: 'order.created', order: 'o1' }],
          faults: [{ name: 'duplicate', copies: 2 }],
        },
      ]);
    }

    it('passes when the counter grew by at least the amount during the scenario', async () => {
      const context = await replayedTwice();
      const check = await bench().judge(
        {
          kind: 'metrics.increased',
          metric: DELIVERIES,
          labels: { partner_id: 'p_001', outcome: 'replayed' },
          by: 2,
        },
        context,
      );
      const before = sumMatching(context.metricsAtStart, DELIVERIES, {
        partner_id: 'p_001',
        outcome: 'replayed',
      });
      expect(check).toMatchObject({
        verdict: 'pass',
        actual: { before, after: before + 2, increase: 2 },
        message: 'grew by 2',
      });
      expect(check.reads.map((read) => read.path)).toEqual(['/metrics']);
    });

    it('counts only what grew since the scenario started, not what was there before', async () => {
      await replayedTwice();
      const context = await replayedTwice();
      const labels = { partner_id: 'p_001', outcome: 'replayed' };
      expect(sumMatching(context.metricsAtStart, DELIVERIES, labels)).toBeGreaterThanOrEqual(2);
      const check = await bench().judge(
        { kind: 'metrics.increased', metric: DELIVERIES, labels, by: 3 },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        expected: { increase_at_least: 3 },
        actual: { increase: 2 },
        where: `${DELIVERIES}{"partner_id":"p_001","outcome":"replayed"}`,
        message: 'grew by 2, expected at least 3',
      });
    });

    it('fails for series that did not grow', async () => {
      const context = await replayedTwice();
      const check = await bench().judge(
        {
          kind: 'metrics.increased',
          metric: DELIVERIES,
          labels: { partner_id: 'p_001', outcome: 'conflict' },
          by: 1,
        },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        actual: { increase: 0 },
        message: 'grew by 0, expected at least 1',
      });
    });

    it('sums every series of the metric when no labels are given', async () => {
      const context = await replayedTwice();
      expect(
        await bench().judge({ kind: 'metrics.increased', metric: DELIVERIES, by: 3 }, context),
      ).toMatchObject({ verdict: 'pass', actual: { increase: 3 } });
    });
  });
}
