import type { OrderChangeRecord } from '../../../../contracts/ops/opsRecords.js';
import { plural, type Exchange } from '../../../exchanges/exchange.js';
import type { ScenarioContext } from '../../../run/scenarioContext.js';
import { exportPageOf, exportQueryOf, type ExportPageRecord } from '../exportPage.js';

/** One request for a page of the export, and the page when one came back. */
export interface PageExchange {
  exchange: Exchange;
  query: ExportPageRecord['query'];
  page?: ExportPageRecord;
}

/**
 * Every export request of the steps, in the order made (step after step): a partner's reading of
 * the feed, which may span several polls (a pull, then a later pull from the cursor it kept).
 * Streamed from the exchange log, so a long pull is judged a page at a time.
 */
export async function* exportRequests(
  context: ScenarioContext,
  steps: readonly string[],
): AsyncGenerator<PageExchange> {
  for (const step of steps)
    for await (const exchange of context.exchanges.read(step)) {
      const query = exportQueryOf(exchange);
      if (!query) continue;
      const page = exportPageOf(exchange);
      yield { exchange, query, ...(page ? { page } : {}) };
    }
}

/**
 * The control: every committed change of the partner's orders since `changedSince`, read from the
 * ops API (`GET /ops/order-changes`), which reads the store directly and not through the export.
 * Kept whole as the oracle's input in the evidence (the first 200 reads of 500 changes each).
 */
export async function readControlChanges(
  context: ScenarioContext,
  changedSince: string | undefined,
): Promise<OrderChangeRecord[]> {
  return context.sut.ops.getAll<OrderChangeRecord>('/ops/order-changes', {
    partner_id: context.partner.partner_id,
    changed_since: changedSince,
  });
}

/** A change is one event of one order: the pair names it, whatever page carried it. */
export function changeKey(orderId: unknown, eventId: unknown): string {
  return JSON.stringify([orderId, eventId]);
}

/** "order ORD-1, event api.5b0e…" */
export function describeChange(orderId: unknown, eventId: unknown): string {
  return `order ${String(orderId)}, event ${String(eventId)}`;
}

/** "page 3 (request r1.B-001.pull.7)" */
export function describePage(index: number, exchange: Exchange): string {
  return `page ${index} (request ${exchange.correlation_id})`;
}

/** "1 change", "29 changes", "1 page". */
export function counted(count: number, noun: string): string {
  return `${count} ${plural(noun, count)}`;
}
