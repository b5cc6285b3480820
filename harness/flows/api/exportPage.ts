import type { Exchange } from '../../exchanges/exchange.js';

/**
 * What a page of the order export carried, as the api flow keeps it on the page's exchange (its
 * `page` fact) for the export oracles: each change's identity, version and money, and the
 * paging fields, exactly as they came (a wrong type is kept as it was, for the oracle to name).
 * The buyer's e-mail (PII) is left out: no oracle needs it.
 */
export interface ExportPageRecord {
  /** The query the partner sent: the first page names changed_since, the next ones a cursor. */
  query: { changed_since?: string; cursor?: string; limit?: string };
  /** null when the body had no list of items. */
  items: ReceivedChange[] | null;
  next_cursor: unknown;
  has_more: unknown;
}

/** One order change as the partner received it. */
export interface ReceivedChange {
  order_id: unknown;
  event_id: unknown;
  updated_at: unknown;
  status: unknown;
  total_amount: unknown;
  currency: unknown;
}

/** The facts of an export answer: the query always, the page when one came back. */
export function exportPageFacts(
  url: string,
  status: number,
  body: unknown,
): Record<string, string> {
  const search = new URL(url).searchParams;
  const query: ExportPageRecord['query'] = {};
  for (const name of ['changed_since', 'cursor', 'limit'] as const) {
    const value = search.get(name);
    if (value !== null) query[name] = value;
  }
  const facts: Record<string, string> = { query: JSON.stringify(query) };
  if (status !== 200 || typeof body !== 'object' || body === null) return facts;
  const page = body as { items?: unknown; next_cursor?: unknown; has_more?: unknown };
  const record: Omit<ExportPageRecord, 'query'> = {
    items: Array.isArray(page.items) ? page.items.map(receivedChange) : null,
    next_cursor: page.next_cursor ?? null,
    has_more: page.has_more ?? null,
  };
  facts.page = JSON.stringify(record);
  return facts;
}

/** The export query an exchange sent, or undefined when it was not an export request. */
export function exportQueryOf(exchange: Exchange): ExportPageRecord['query'] | undefined {
  if (exchange.facts?.operation !== 'exportOrders' || exchange.facts.query === undefined)
    return undefined;
  return JSON.parse(exchange.facts.query) as ExportPageRecord['query'];
}

/** The page an export exchange received, or undefined when it got none (a refusal, no answer). */
export function exportPageOf(exchange: Exchange): ExportPageRecord | undefined {
  const query = exportQueryOf(exchange);
  if (!query || exchange.facts?.page === undefined) return undefined;
  return { query, ...(JSON.parse(exchange.facts.page) as Omit<ExportPageRecord, 'query'>) };
}

function receivedChange(item: unknown): ReceivedChange {
  const fields = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  return {
    order_id: fields.order_id,
    event_id: fields.event_id,
    updated_at: fields.updated_at,
    status: fields.status,
    total_amount: fields.total_amount,
    currency: fields.currency,
  };
}
