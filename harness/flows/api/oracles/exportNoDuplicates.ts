import type { OracleDocument } from '../../../../contracts/scenarios/scenario.js';
import { Findings } from '../../../oracles/findings.js';
import { fail, pass, type OracleKind } from '../../../oracles/oracleKind.js';
import schema from './exportNoDuplicates.schema.json' with { type: 'json' };
import { changeKey, counted, describeChange, describePage, exportRequests } from './exportReads.js';

type Oracle = OracleDocument & { steps: string[] };

interface Duplicate {
  change: string;
  first: string;
  again: string;
}

/**
 * No duplicate: each change (an order's event: its version) reached the partner once over all
 * the pages of the steps, however the pages fell and whatever was written while they were read.
 */
export const exportNoDuplicates: OracleKind<Oracle> = {
  kind: 'export.noDuplicates',
  summary: 'no change reached the partner twice, over every page of the steps',
  schema,
  title: (oracle) => `no change reached the partner twice in steps ${oracle.steps.join(', ')}`,
  async evaluate(oracle, context) {
    const firstSeen = new Map<string, string>();
    const duplicates = new Findings<Duplicate>();
    let pages = 0;
    let items = 0;
    for await (const { exchange, page } of exportRequests(context, oracle.steps)) {
      if (!page?.items) continue;
      pages += 1;
      const where = describePage(pages, exchange);
      for (const item of page.items) {
        items += 1;
        const key = changeKey(item.order_id, item.event_id);
        const earlier = firstSeen.get(key);
        if (earlier === undefined) firstSeen.set(key, where);
        else
          duplicates.add({
            change: describeChange(item.order_id, item.event_id),
            first: earlier,
            again: where,
          });
      }
    }
    const expected = { duplicates: 0 };
    const actual = { pages, items, distinct: firstSeen.size, duplicates: duplicates.value() };
    if (pages === 0)
      return fail(expected, actual, `steps ${oracle.steps.join(', ')}`, 'no page was received');
    if (duplicates.count > 0) {
      const kept = duplicates.value();
      const one = (Array.isArray(kept) ? kept : kept.first)[0] as Duplicate;
      return fail(
        expected,
        actual,
        `${one.change}: ${one.first} and ${one.again}`,
        `${duplicates.count} of ${counted(items, 'change')} received had been received before`,
      );
    }
    return pass(
      expected,
      actual,
      `${counted(items, 'change')} over ${counted(pages, 'page')}, each received once`,
    );
  },
};
