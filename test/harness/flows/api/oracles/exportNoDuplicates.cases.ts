import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../../../harness/run/scenarioContext.js';
import { editPage, isPage, type ApiBench } from '../apiBench.js';

/** export.noDuplicates, shown to pass and to fail (run by apiOracles.test.ts). */
export function exportNoDuplicatesCases(bench: () => ApiBench): void {
  describe('export.noDuplicates', () => {
    let context: ScenarioContext;

    beforeAll(async () => {
      context = await bench().play([
        {
          id: 'pull',
          kind: 'api.pull',
          title: 'Acme pulls three a page while it creates five orders and changes each twice',
          limit: 3,
          while_writing: { orders: 5, changes_per_order: 2, concurrency: 3 },
        },
        {
          id: 'repoll',
          kind: 'api.pull',
          title: 'Acme polls again from the cursor it kept',
          continue_from: 'pull',
        },
      ]);
    });

    it('passes when each change came once over every page of every poll', async () => {
      const check = await bench().judge(
        { kind: 'export.noDuplicates', steps: ['pull', 'repoll'] },
        context,
      );
      expect(check).toMatchObject({
        verdict: 'pass',
        actual: { items: 15, distinct: 15, duplicates: [] },
        message: expect.stringMatching(/^15 changes over \d+ pages, each received once$/),
      });
      expect(check.reads).toEqual([]);
    });

    it('fails when a page repeats a change an earlier page held, naming both pages', async () => {
      // The first change received comes again two pages later.
      let first: { item: Record<string, unknown>; page: number } | undefined;
      let pages = 0;
      const repeated = await bench().rewrite(context, (exchange) => {
        if (!isPage(exchange)) return exchange;
        pages += 1;
        return editPage(exchange, (page) => {
          if (!first && page.items[0]) first = { item: page.items[0], page: pages };
          else if (first && pages === first.page + 2) page.items.push(first.item);
        });
      });
      const check = await bench().judge(
        { kind: 'export.noDuplicates', steps: ['pull', 'repoll'] },
        repeated,
      );
      const at = first?.page ?? 0;
      expect(check).toMatchObject({
        verdict: 'fail',
        message: '1 of 16 changes received had been received before',
        actual: { distinct: 15, duplicates: [{ first: expect.stringMatching(`^page ${at} `) }] },
      });
      expect(check.where).toMatch(
        new RegExp(
          `^order ORD-.*: page ${at} \\(request .*\\) and page ${at + 2} \\(request .*\\)$`,
        ),
      );
    });

    it('fails, and says so, when no page came back at all', async () => {
      const refused = await bench().play([
        {
          id: 'pull',
          kind: 'api.pull',
          title: 'Acme pulls with a token it forged',
          faults: [{ name: 'forgedToken' }],
        },
      ]);
      expect(
        await bench().judge({ kind: 'export.noDuplicates', steps: ['pull'] }, refused),
      ).toMatchObject({ verdict: 'fail', message: 'no page was received' });
    });
  });
}
