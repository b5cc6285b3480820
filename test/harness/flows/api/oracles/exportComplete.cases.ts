import { beforeAll, describe, expect, it } from 'vitest';
import {
  orderNumberFor,
  type ScenarioContext,
} from '../../../../../harness/run/scenarioContext.js';
import { editPage, isPage, type ApiBench, type Judgement } from '../apiBench.js';

/** export.complete, shown to pass and to fail (run by apiOracles.test.ts). */
export function exportCompleteCases(bench: () => ApiBench): void {
  describe('export.complete', () => {
    // The control lists every change since changed_since, so a play judged after later plays
    // would see their orders too: the shared play is judged at once, as a scenario's oracles are.
    let context: ScenarioContext;
    let whole: ScenarioContext;
    let judged: Record<'pull' | 'glance' | 'whole' | 'phantom' | 'shifted', Judgement>;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'before',
          kind: 'api.createOrders',
          title: 'Acme creates three orders',
          orders: [{ ref: 'o1' }, { ref: 'o2' }, { ref: 'o3' }],
        },
        {
          id: 'pull',
          kind: 'api.pull',
          title: 'Acme pulls two a page while it creates and changes four orders',
          limit: 2,
          while_writing: { orders: 4, changes_per_order: 1, concurrency: 2 },
          until_seen: ['before'],
        },
        {
          id: 'after',
          kind: 'api.createOrders',
          title: 'Acme creates one more order once the pull is done',
          orders: [{ ref: 'o4' }],
        },
        {
          id: 'glance',
          kind: 'api.pull',
          title: 'Acme reads one page of one change, and stops there',
          limit: 1,
          max_pages: 1,
        },
      ]);
      judged = {
        pull: await bench().judge({ kind: 'export.complete', steps: ['pull'] }, context),
        glance: await bench().judge({ kind: 'export.complete', steps: ['glance'] }, context),
      } as typeof judged;

      whole = await bench().play([
        {
          id: 'write',
          kind: 'api.createOrders',
          title: 'Acme creates an order',
          orders: [{ ref: 'o1' }],
        },
        { id: 'pull', kind: 'api.pull', title: 'Acme pulls', limit: 3, until_seen: ['write'] },
      ]);
      const phantom = await bench().rewrite(whole, (exchange) =>
        isPage(exchange)
          ? editPage(exchange, (page) => {
              if (page.items[0])
                page.items.push({ ...page.items[0], event_id: 'api.never-happened' });
            })
          : exchange,
      );
      const shifted = await bench().rewrite(whole, (exchange) =>
        isPage(exchange)
          ? editPage(exchange, (page) => {
              for (const item of page.items) item.updated_at = '2001-01-01T00:00:00.000Z';
            })
          : exchange,
      );
      const complete = { kind: 'export.complete', steps: ['pull'] };
      judged.whole = await bench().judge(complete, whole);
      judged.phantom = await bench().judge(complete, phantom);
      judged.shifted = await bench().judge(complete, shifted);
    });

    it('passes when the partner received every change the control lists, and only those', () => {
      const check = judged.whole;
      expect(check).toMatchObject({
        verdict: 'pass',
        expected: { changes_in_control: 1, applied_writes_since: 1 },
        actual: { received: 1, missing: [], unexpected: [] },
      });
      // Drained at once, then polled once more after the write was known: two pages.
      expect(check.message).toMatch(
        /^1 change since .*Z: the ops control lists 1, the partner received 1 over 2 pages, none missing, none unexpected; all 1 applied write among them$/,
      );
      // The control came from the ops API, with the pull's own changed_since.
      expect(check.reads.map((read) => read.path)).toEqual([
        `/ops/order-changes?partner_id=p_001&changed_since=${encodeURIComponent(new Date(whole.startedAtMs).toISOString())}&limit=500`,
      ]);
    });

    it('holds the delta to the end: a change made after the pull is one the pull missed', () => {
      // 3 orders before, 4 created and each changed once during the pull, all 11 received; o4,
      // created after the pull, is in the control and was never read.
      expect(judged.pull).toMatchObject({
        verdict: 'fail',
        expected: { changes_in_control: 12, applied_writes_since: 12 },
        actual: {
          received: 11,
          missing: [expect.objectContaining({ event_id: expect.any(String) })],
        },
        message: expect.stringMatching(/^1 of 12 changes since .* never reached the partner$/),
      });
      expect(judged.pull.where).toBe(
        `order ${orderNumberFor(context, 'o4')}, event ${(judged.pull.actual as { missing: { event_id: string }[] }).missing[0]?.event_id}`,
      );
    });

    it('fails when the partner stopped before reading everything', () => {
      expect(judged.glance).toMatchObject({
        verdict: 'fail',
        actual: { received: 1 },
        message: expect.stringMatching(/^11 of 12 changes since .* never reached the partner$/),
      });
    });

    it('fails on a change the control does not list (a phantom), and on a changed version time', () => {
      expect(judged.phantom).toMatchObject({
        verdict: 'fail',
        message:
          '1 change received that the control does not list (2 received, the control lists 1)',
        actual: {
          unexpected: expect.arrayContaining([
            expect.objectContaining({ event_id: 'api.never-happened' }),
          ]),
        },
      });
      expect(judged.shifted).toMatchObject({
        verdict: 'fail',
        message: "1 change received with another version time than the control's",
      });
    });

    it("fails when a version the partner's write was told was applied never reached it", async () => {
      const written = await bench().play([
        {
          id: 'write',
          kind: 'api.createOrders',
          title: 'Acme creates an order',
          orders: [{ ref: 'o1' }],
        },
        { id: 'pull', kind: 'api.pull', title: 'Acme pulls', until_seen: ['write'] },
      ]);
      // As if the pipeline's receipt had named a change its feed (and its control) never held.
      const lost = await bench().rewrite(written, (exchange) => {
        const version = exchange.facts?.version;
        if (version === undefined) return exchange;
        const [orderId, updatedAt] = JSON.parse(version) as string[];
        return {
          ...exchange,
          facts: { ...exchange.facts, version: JSON.stringify([orderId, updatedAt, 'api.lost']) },
        };
      });
      const check = await bench().judge({ kind: 'export.complete', steps: ['pull'] }, lost);
      expect(check).toMatchObject({
        verdict: 'fail',
        where: "the partner's applied writes",
        message: "1 of 1 order version the partner's writes applied never reached it",
        actual: {
          applied_writes_not_received: [[expect.any(String), expect.any(String), 'api.lost']],
        },
      });
    });

    it('fails when the reading starts from a cursor: there is no changed_since to hold the control to', async () => {
      const resumed = await bench().play([
        {
          id: 'first',
          kind: 'api.request',
          title: 'One page',
          operation: 'exportOrders',
          limit: 1,
        },
        {
          id: 'rest',
          kind: 'api.pull',
          title: 'The rest, from the cursor kept',
          continue_from: 'first',
        },
      ]);
      expect(
        await bench().judge({ kind: 'export.complete', steps: ['rest'] }, resumed),
      ).toMatchObject({
        verdict: 'fail',
        message:
          'the reading starts from a cursor: there is no changed_since to hold the control to',
      });
    });
  });
}
