import { readFileSync } from 'node:fs';

/**
 * The one definition of how an order changes, shared by every intake:
 *
 *   webhook inbox (recordDeliveries.sql) ──┐
 *                                          ├─> order_proposals ─> orderRules.sql:
 *   partner API   (createOrder.sql) ────────┘      versions ─> last writer wins ─> orders
 *                                                  ─> event chain (order_events) ─> change feed (order_changes)
 *
 * The rules are stages of a SQL statement rather than a function of their own so that each intake
 * keeps its one round trip (the inbox's batch is a single statement for speed): an intake writes
 * its statement with the line `@order_rules` (or `@order_rules,` when more stages follow) where the
 * stages belong, after a stage named `order_proposals`, and `withOrderRules` puts them in. orderRules.sql says what the proposals
 * hold and which stages may be read afterwards.
 */
const ORDER_RULES = readFileSync(new URL('./orderRules.sql', import.meta.url), 'utf8')
  // The comment block above the first stage documents the file, not the composed statement.
  .replace(/^(?:--.*\n)+/, '')
  .trimEnd();

const PLACEHOLDER = /^@order_rules(,?)$/m;

export function withOrderRules(statement: string): string {
  const places = statement.match(new RegExp(PLACEHOLDER.source, 'gm'))?.length ?? 0;
  if (places !== 1)
    throw new Error(`a statement must hold the line @order_rules exactly once (found ${places})`);
  return statement.replace(PLACEHOLDER, (_line, comma: string) => `${ORDER_RULES}${comma}`);
}

/** Where a change came from: one domain, several intakes. */
export type OrderChangeSource = 'webhook' | 'api';
