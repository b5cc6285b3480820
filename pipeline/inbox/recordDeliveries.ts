import { readFileSync } from 'node:fs';
import { withOrderRules } from '../orders/orderRules.js';
import type { Sql } from '../store/store.js';
import type {
  DeliveryOutcome,
  EventDelivery,
  InboxSubmission,
  RefusedDelivery,
} from './delivery.js';

/**
 * Records a batch of deliveries and decides each one's fate, in one statement (one round trip,
 * atomic by itself):
 *
 *   event ──> inbox claim ──┬─ new ────────> processed: the order domain's rules (orders/orderRules.sql):
 *   (partner, event_id)     │                  order effect + event-chain row + change-feed row
 *                           └─ already there ─┬─ same sha256 ──> replayed (nothing changes)
 *                                             └─ other sha256 ─> conflict (alert, never applied)
 *   refusal ────────────────────────────────────────────────────> audit row (+ alert)
 *
 * Every delivery leaves exactly one audit row. Verdicts follow arrival order inside the batch, so
 * they never depend on how requests happened to be batched. The stages are in
 * recordDeliveries.sql, commented; this file only moves rows in and outcomes out.
 */
const RECORD_DELIVERIES = withOrderRules(
  readFileSync(new URL('./recordDeliveries.sql', import.meta.url), 'utf8'),
);

/** Rounds of the rare "another worker inserted it meanwhile" retry before giving up. */
const MAX_LATE_KEY_ROUNDS = 3;

/** How floods are absorbed: alert grouping and the audit bound for unauthenticated refusals. */
export interface InboxPolicy {
  /** Alerts of one partner and kind within this many seconds are one alert with a count. */
  alertGroupWindowS: number;
  /** Unauthenticated refusals audited in full per source address and budget window. */
  unauthenticatedAuditsPerWindow: number;
  auditBudgetWindowS: number;
}

export const DEFAULT_INBOX_POLICY: InboxPolicy = {
  alertGroupWindowS: 300,
  unauthenticatedAuditsPerWindow: 100,
  auditBudgetWindowS: 60,
};

export async function recordDeliveries(
  sql: Sql,
  batch: InboxSubmission[],
  policy: InboxPolicy = DEFAULT_INBOX_POLICY,
): Promise<DeliveryOutcome[]> {
  const outcomes: (DeliveryOutcome | undefined)[] = batch.map(() => undefined);
  let pending = batch.flatMap((item, index) => (item.kind === 'event' ? [{ item, index }] : []));
  let refusals = batch.flatMap((item, index) => (item.kind === 'refusal' ? [{ item, index }] : []));

  for (
    let round = 0;
    round < MAX_LATE_KEY_ROUNDS && (pending.length > 0 || refusals.length > 0);
    round++
  ) {
    const rows = await sql.query<{
      item: 'event' | 'refusal';
      ord: number;
      outcome: string;
      effect: string | null;
      stored_sha256: string | null;
    }>(RECORD_DELIVERIES, [
      JSON.stringify(pending.map(({ item }, ord) => eventRow(item, ord, policy))),
      JSON.stringify(refusals.map(({ item }, ord) => refusalRow(item, ord, policy))),
      policy.unauthenticatedAuditsPerWindow,
    ]);
    const retry: typeof pending = [];
    for (const row of rows) {
      if (row.item === 'refusal') {
        const entry = refusals[row.ord] as (typeof refusals)[number];
        outcomes[entry.index] = {
          outcome: 'refused',
          alertRaised: entry.item.alert !== undefined,
          audited: row.outcome === 'audited',
        };
        continue;
      }
      const entry = pending[row.ord] as (typeof pending)[number];
      if (row.outcome === 'retry') retry.push(entry);
      else outcomes[entry.index] = toOutcome(row);
    }
    pending = retry;
    refusals = [];
  }
  if (pending.length > 0)
    throw new Error(`inbox rows for ${pending.length} deliveries kept vanishing; retry later`);
  return outcomes as DeliveryOutcome[];
}

function toOutcome(row: {
  outcome: string;
  effect: string | null;
  stored_sha256: string | null;
}): DeliveryOutcome {
  if (row.outcome === 'processed')
    return { outcome: 'processed', effect: row.effect === 'superseded' ? 'superseded' : 'applied' };
  if (row.outcome === 'replayed') return { outcome: 'replayed' };
  return { outcome: 'conflict', storedSha256: row.stored_sha256 ?? '' };
}

/** The start of the fixed, epoch-aligned window of `seconds` that `at` falls in. */
function windowStart(at: Date, seconds: number): string {
  const size = Math.max(1, seconds) * 1000;
  return new Date(Math.floor(at.getTime() / size) * size).toISOString();
}

function eventRow(item: EventDelivery, ord: number, policy: InboxPolicy) {
  return {
    ord,
    partner_id: item.partnerId,
    event_id: item.eventId,
    event_type: item.eventType,
    payload_sha256: item.payloadSha256,
    payload: item.payloadText,
    occurred_at: item.occurredAt,
    signature_scheme: item.scheme,
    correlation_id: item.correlationId,
    received_at: item.receivedAt.toISOString(),
    source: item.source ?? null,
    alert_window: windowStart(item.receivedAt, policy.alertGroupWindowS),
    order_id: item.order.order_id,
    status: item.order.status,
    total_amount: item.order.total_amount,
    currency: item.order.currency,
    updated_at: item.order.updated_at,
    attributes: item.order.attributes,
  };
}

function refusalRow(item: RefusedDelivery, ord: number, policy: InboxPolicy) {
  return {
    ord,
    partner_id: item.partnerId,
    event_id: item.eventId ?? null,
    correlation_id: item.correlationId,
    http_status: item.httpStatus,
    error_code: item.errorCode,
    reason: item.reason,
    payload_sha256: item.payloadSha256 ?? null,
    signature_scheme: item.scheme ?? null,
    received_at: item.receivedAt.toISOString(),
    source: item.source ?? 'unknown',
    unauthenticated: item.unauthenticated ?? false,
    budget_window: windowStart(item.receivedAt, policy.auditBudgetWindowS),
    alert_window: windowStart(item.receivedAt, policy.alertGroupWindowS),
    alert_kind: item.alert?.kind ?? null,
    alert_severity: item.alert?.severity ?? null,
    alert_message: item.alert?.message ?? null,
    alert_details: item.alert?.details ?? null,
  };
}
