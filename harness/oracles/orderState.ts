import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import { eventIdFor, orderNumberFor, type ScenarioContext } from '../run/scenarioContext.js';
import { fail, firstDifference, pass, type OracleKind } from './oracleKind.js';
import { readOrder } from './opsReads.js';
import schema from './orderState.schema.json' with { type: 'json' };

type Oracle = OracleDocument & {
  order: string;
  matches_event?: string;
  expect?: { status?: string; total_amount?: number; currency?: string };
  chain?: Record<string, 'applied' | 'superseded'>;
};

/**
 * The order's final state in our field names, whatever mode created it. `matches_event` derives
 * the expectation from what the partner sent in that document, mapped through the partner profile
 * (the harness's own reading of the mapping, not the pipeline's code); `chain` says how each event
 * in the order's event chain must have ended.
 */
export const orderState: OracleKind<Oracle> = {
  kind: 'order.state',
  summary: "the order's final state (and each event's place in its chain) is as expected",
  schema,
  title: (oracle) =>
    [
      `order ${oracle.order}`,
      oracle.matches_event && `holds the state event ${oracle.matches_event} carried`,
      oracle.expect && `has ${JSON.stringify(oracle.expect)}`,
      oracle.chain &&
        `with chain ${Object.entries(oracle.chain)
          .map(([ref, outcome]) => `${ref} ${outcome}`)
          .join(', ')}`,
    ]
      .filter(Boolean)
      .join(' '),
  async evaluate(oracle, context) {
    const orderNumber = orderNumberFor(context, oracle.order);
    const record = await readOrder(context, orderNumber);
    if (!record?.order)
      return fail(
        'an order',
        record ?? null,
        `order ${orderNumber}`,
        `order ${oracle.order} does not exist`,
      );
    const expected = {
      ...(oracle.matches_event ? stateCarriedBy(context, oracle.matches_event) : {}),
      ...oracle.expect,
    };
    const actual = {
      status: record.order.status,
      total_amount: record.order.total_amount,
      currency: record.order.currency,
    };
    const difference = firstDifference(expected, actual);
    if (difference) {
      return fail(
        expected,
        actual,
        `order ${orderNumber}, field ${difference.field}`,
        `${difference.field}: expected ${JSON.stringify(difference.expected)}, got ${JSON.stringify(difference.actual)}`,
      );
    }
    if (oracle.chain) {
      const wanted = Object.fromEntries(
        Object.entries(oracle.chain).map(([ref, outcome]) => [eventIdFor(context, ref), outcome]),
      );
      const chain = Object.fromEntries(
        record.event_chain.map((entry) => [entry.event_id, entry.outcome]),
      );
      const ids = new Set([...Object.keys(wanted), ...Object.keys(chain)]);
      for (const id of ids) {
        if (wanted[id] !== chain[id]) {
          return fail(
            wanted,
            chain,
            `order ${orderNumber}, event_chain ${id}`,
            `event ${id}: expected ${wanted[id] ?? 'not in the chain'}, got ${chain[id] ?? 'not in the chain'}`,
          );
        }
      }
      if (record.event_chain.length !== ids.size) {
        return fail(
          ids.size,
          record.event_chain.length,
          `order ${orderNumber}, event_chain`,
          'an event appears more than once in the chain',
        );
      }
    }
    return pass(
      { ...expected, chain: oracle.chain },
      { ...actual, chain: record.event_chain },
      `order ${oracle.order} is as expected`,
    );
  },
};

function stateCarriedBy(context: ScenarioContext, eventRef: string): Record<string, unknown> {
  const document = context.documents.get(eventRef);
  if (!document?.order) throw new Error(`event ${eventRef} was never sent`);
  const expected: Record<string, unknown> = {
    status: document.type === 'order.cancelled' ? 'cancelled' : 'open',
  };
  for (const rule of context.partner.field_mapping?.order ?? []) {
    if (rule.ours === 'total_amount' || rule.ours === 'currency')
      expected[rule.ours] = document.order.fields[rule.partner];
  }
  return expected;
}
