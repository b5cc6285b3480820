import type { Exchange } from '../../../exchanges/exchange.js';
import type { ScenarioContext } from '../../../run/scenarioContext.js';
import { exportPageOf } from '../exportPage.js';

/**
 * Where an earlier step's reading of the export ended: the last next_cursor it received, which a
 * partner keeps to poll from next time.
 */
export async function keptCursor(context: ScenarioContext, stepId: string): Promise<string> {
  let cursor: string | undefined;
  for await (const exchange of context.exchanges.read(stepId)) {
    const page = exportPageOf(exchange);
    if (typeof page?.next_cursor === 'string') cursor = page.next_cursor;
  }
  if (cursor === undefined) throw new Error(`step "${stepId}" received no page with a next_cursor`);
  return cursor;
}

/** An order version as the export shows it: order id, version time, event id. */
export type OrderVersion = [orderId: string, updatedAt: string, eventId: string];

export function versionKey(version: readonly unknown[]): string {
  return JSON.stringify(version.slice(0, 3));
}

/**
 * The order version a write made, when the pipeline applied it: from a POST /v1/orders answer
 * that said `applied` (a first answer or its replay, which describe the same change).
 */
export function appliedVersion(exchange: Exchange): OrderVersion | undefined {
  if (exchange.facts?.operation !== 'createOrder' || exchange.answer.effect !== 'applied')
    return undefined;
  const version = exchange.facts.version;
  return version === undefined ? undefined : (JSON.parse(version) as OrderVersion);
}

/** Every order version the given steps' writes applied, by versionKey. */
export async function appliedVersions(
  context: ScenarioContext,
  stepIds: readonly string[],
): Promise<Map<string, OrderVersion>> {
  const versions = new Map<string, OrderVersion>();
  for (const stepId of stepIds)
    for await (const exchange of context.exchanges.read(stepId)) {
      const version = appliedVersion(exchange);
      if (version) versions.set(versionKey(version), version);
    }
  return versions;
}
