import { beforeAll, describe, expect, it } from 'vitest';
import type { Exchange } from '../../../../../harness/exchanges/exchange.js';
import type { ScenarioContext } from '../../../../../harness/run/scenarioContext.js';
import { editPage, isPage, type ApiBench } from '../apiBench.js';

type Page = Parameters<Parameters<typeof editPage>[1]>[0];

/** What a faulty pipeline might do to the second page the partner received, and what it breaks. */
const FAULTY_SECOND_PAGES: [string, (page: Page, exchange: Exchange) => void, RegExp][] = [
  [
    'a page holding more than its limit',
    (page) => void page.items.push({ ...page.items[0], event_id: 'api.extra' }),
    /^limit respected: 4 items on a page of at most 3$/,
  ],
  [
    'more promised after a short page',
    (page) => {
      page.items.pop();
      page.has_more = true;
    },
    /^a page that says more is coming is full: has_more with 2 items of 3$/,
  ],
  [
    'no next_cursor',
    (page) => {
      page.next_cursor = null;
    },
    /^next_cursor is given on every page: next_cursor is null$/,
  ],
  [
    'a cursor that stays put after a full page',
    (page, exchange) => {
      page.next_cursor = (JSON.parse(exchange.facts?.query ?? '{}') as { cursor?: string }).cursor;
    },
    /^the cursor moves past what the page held: next_cursor is the cursor sent, after 3 items$/,
  ],
  [
    'a change from before changed_since',
    (page) => {
      (page.items[0] as Record<string, unknown>).updated_at = '2001-01-01T00:00:00.000Z';
    },
    /^every change at or after changed_since: updated_at 2001-01-01T00:00:00.000Z is before/,
  ],
  [
    'money in fractions',
    (page) => {
      (page.items[0] as Record<string, unknown>).total_amount = 45.99;
    },
    /^money in integer minor units: total_amount is 45.99$/,
  ],
  [
    'a currency ISO 4217 does not list',
    (page) => {
      (page.items[0] as Record<string, unknown>).currency = 'ABC';
    },
    /^money with an ISO 4217 currency: currency is "ABC"$/,
  ],
];

/** export.paginationInvariants, shown to pass and to fail (run by apiOracles.test.ts). */
export function exportPaginationInvariantsCases(bench: () => ApiBench): void {
  describe('export.paginationInvariants', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'before',
          kind: 'api.createOrders',
          title: 'Acme creates seven orders, then changes the first',
          orders: [
            { ref: 'o1' },
            { ref: 'o2', currency: 'JPY', total_amount: 120000 },
            { ref: 'o3' },
            { ref: 'o4' },
            { ref: 'o5' },
            { ref: 'o6' },
            { ref: 'o7' },
            { ref: 'o1', total_amount: 1 },
          ],
        },
        { id: 'pull', kind: 'api.pull', title: 'Acme pulls three a page', limit: 3 },
        {
          id: 'later',
          kind: 'api.createOrders',
          title: 'Acme changes o2',
          orders: [{ ref: 'o2', total_amount: 130000, currency: 'JPY' }],
        },
        {
          id: 'repoll',
          kind: 'api.pull',
          title: 'Acme polls again from its cursor',
          continue_from: 'pull',
          limit: 3,
        },
      ]);
    });

    it('passes for a real reading, and keeps the trace of every page as evidence', async () => {
      const check = await bench().judge(
        { kind: 'export.paginationInvariants', steps: ['pull', 'repoll'] },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'pass',
        message: '4 pages, 9 changes: every invariant held on every page',
        actual: { pages: 4, items: 9, violations: [] },
      });
      const trace = (check.actual as { trace: Record<string, unknown>[] }).trace;
      expect(trace.map((page) => [page.items, page.has_more])).toEqual([
        [3, true],
        [3, true],
        [2, false],
        [1, false],
      ]);
      // Each request sent back the cursor the page before it ended with, across both polls.
      for (let index = 1; index < trace.length; index++)
        expect(trace[index]?.cursor_sent).toBe(trace[index - 1]?.next_cursor);
      expect(trace[0]).toMatchObject({ limit: 3, cursor_sent: null });
    });

    it.each(FAULTY_SECOND_PAGES)(
      'fails on %s, naming the page and the invariant',
      async (_name, fault, message) => {
        let pages = 0;
        const faulty = await bench().rewrite(context, (exchange) => {
          if (!isPage(exchange) || ++pages !== 2) return exchange;
          return editPage(exchange, (page) => fault(page, exchange));
        });
        const check = await bench().judge(
          { kind: 'export.paginationInvariants', steps: ['pull', 'repoll'] },
          faulty,
        );
        expect(check.verdict).toBe('fail');
        expect(check.message.replace(/^\d+ violations?; first: /, '')).toMatch(message);
        expect(check.where).toMatch(/^page 2 \(request .*\)/);
      },
    );

    it('fails on a page that breaks the contract, and on a request that did not follow next_cursor', async () => {
      let pages = 0;
      const faulty = await bench().rewrite(context, (exchange) => {
        if (!isPage(exchange)) return exchange;
        pages += 1;
        if (pages === 1)
          return {
            ...exchange,
            facts: {
              ...exchange.facts,
              contract_problems: 'GET /v1/orders → 200: body /has_more must be boolean',
            },
          };
        if (pages === 3)
          return {
            ...exchange,
            facts: { ...exchange.facts, query: JSON.stringify({ cursor: 'x.y', limit: '3' }) },
          };
        return exchange;
      });
      const check = await bench().judge(
        { kind: 'export.paginationInvariants', steps: ['pull', 'repoll'] },
        faulty,
      );
      expect(check).toMatchObject({
        verdict: 'fail',
        message:
          '2 violations; first: valid against contracts/api/openapi.json: GET /v1/orders → 200: body /has_more must be boolean',
        actual: {
          violations: [
            expect.objectContaining({ invariant: 'valid against contracts/api/openapi.json' }),
            expect.objectContaining({
              invariant: 'each page follows the previous next_cursor',
              where: expect.stringMatching(/^page 3 /),
            }),
          ],
        },
      });
    });

    it("fails when one order's changes arrive out of version order", async () => {
      // o1 was created and then changed: its later change is moved ahead of its creation.
      const items: Record<string, unknown>[] = [];
      let pages = 0;
      const reordered = await bench().rewrite(context, (exchange) => {
        if (!isPage(exchange)) return exchange;
        pages += 1;
        return editPage(exchange, (page) => {
          if (pages <= 3) items.push(...page.items);
          if (pages === 1) {
            const o1 = page.items[0] as Record<string, unknown>;
            page.items[0] = { ...o1, updated_at: '2100-01-01T00:00:00.000Z' };
          }
        });
      });
      const check = await bench().judge(
        { kind: 'export.paginationInvariants', steps: ['pull'] },
        reordered,
      );
      expect(check.verdict).toBe('fail');
      expect(check.message).toMatch(
        /first: one order's changes in rising version order \(updated_at, then event_id\): version .* after .*2100-01-01T00:00:00.000Z/,
      );
      expect(items).toHaveLength(8);
    });
  });
}
