import { isNewerVersion, type OrderSnapshot } from '../orders/orderSnapshot.js';
import type { Sql } from '../store/store.js';
import type { AlertDraft, DeliveryOutcome, EventDelivery, InboxSubmission } from './delivery.js';

/**
 * Records a batch of deliveries in one transaction and decides each one's fate:
 *
 *   event ──> inbox insert ──┬─ new ────────> processed: order effect + event chain row
 *   (partner, event_id)      └─ already there ─┬─ same sha256 ──> replayed (nothing changes)
 *                                              └─ other sha256 ─> conflict (alert, never applied)
 *   refusal ─────────────────────────────────────────────────────> audit row (+ alert)
 *
 * Every delivery, whatever its fate, leaves one audit row in webhook_deliveries. Inside a batch,
 * deliveries are judged in arrival order, so the outcome never depends on how requests happened
 * to be batched. Rows are written in key order so concurrent batches on several workers cannot
 * deadlock.
 */
export async function recordDeliveries(
  tx: Sql,
  batch: InboxSubmission[],
): Promise<DeliveryOutcome[]> {
  const outcomes: (DeliveryOutcome | undefined)[] = new Array(batch.length);
  const alerts: { partnerId: string; correlationId: string; alert: AlertDraft; raisedAt: Date }[] =
    [];

  // 1. The first delivery of each event key in this batch tries to claim the key.
  const events = batch.flatMap((item, index) => (item.kind === 'event' ? [{ item, index }] : []));
  const firstByKey = new Map<string, EventDelivery>();
  for (const { item } of events) {
    const key = eventKey(item.partnerId, item.eventId);
    if (!firstByKey.has(key)) firstByKey.set(key, item);
  }
  const claimed = await claimInboxKeys(tx, [...firstByKey.values()]);
  const stored = await storedHashes(
    tx,
    [...firstByKey.values()].filter((item) => !claimed.has(eventKey(item.partnerId, item.eventId))),
  );

  // 2. Each delivery's outcome, in arrival order.
  const processed: EventDelivery[] = [];
  for (const { item, index } of events) {
    const key = eventKey(item.partnerId, item.eventId);
    if (firstByKey.get(key) === item && claimed.has(key)) {
      processed.push(item);
      outcomes[index] = { outcome: 'processed', effect: 'applied' }; // effect settled below
      continue;
    }
    const storedSha = claimed.has(key)
      ? (firstByKey.get(key) as EventDelivery).payloadSha256
      : stored.get(key);
    if (storedSha === undefined)
      throw new Error(`inbox row for ${key} vanished inside the transaction`);
    if (storedSha === item.payloadSha256) {
      outcomes[index] = { outcome: 'replayed' };
    } else {
      outcomes[index] = { outcome: 'conflict', storedSha256: storedSha };
      alerts.push({
        partnerId: item.partnerId,
        correlationId: item.correlationId,
        raisedAt: item.receivedAt,
        alert: {
          kind: 'webhook.event_conflict',
          severity: 'critical',
          message: `event ${item.eventId} was redelivered with a different payload; the redelivery was not applied`,
          details: {
            event_id: item.eventId,
            stored_sha256: storedSha,
            received_sha256: item.payloadSha256,
          },
        },
      });
    }
  }

  // 3. The order effects of the processed events, and their place in each order's event chain.
  const effects = await applyOrderEffects(tx, processed);
  for (const { item, index } of events) {
    const outcome = outcomes[index];
    if (outcome?.outcome === 'processed') {
      outcome.effect = effects.get(eventKey(item.partnerId, item.eventId)) ?? 'applied';
    }
  }

  // 4. Refusals: their outcome is fixed; they may carry an alert.
  batch.forEach((item, index) => {
    if (item.kind !== 'refusal') return;
    outcomes[index] = { outcome: 'refused', alertRaised: item.alert !== undefined };
    if (item.alert)
      alerts.push({
        partnerId: item.partnerId,
        correlationId: item.correlationId,
        alert: item.alert,
        raisedAt: item.receivedAt,
      });
  });

  const final = outcomes as DeliveryOutcome[];
  await insertAuditRows(tx, batch, final);
  await insertAlerts(tx, alerts);
  return final;
}

function eventKey(partnerId: string, eventId: string): string {
  return `${partnerId}\u0000${eventId}`;
}

async function claimInboxKeys(tx: Sql, firsts: EventDelivery[]): Promise<Set<string>> {
  if (firsts.length === 0) return new Set();
  const rows = await tx.query<{ partner_id: string; event_id: string }>(
    `INSERT INTO webhook_inbox (partner_id, event_id, event_type, payload_sha256, payload, occurred_at,
                                signature_scheme, correlation_id, received_at)
     SELECT partner_id, event_id, event_type, payload_sha256, payload, occurred_at, signature_scheme,
            correlation_id, received_at
       FROM jsonb_to_recordset($1::jsonb) AS r(partner_id text, event_id text, event_type text,
            payload_sha256 text, payload text, occurred_at timestamptz, signature_scheme text,
            correlation_id text, received_at timestamptz)
      ORDER BY partner_id COLLATE "C", event_id COLLATE "C"
     ON CONFLICT (partner_id, event_id) DO NOTHING
     RETURNING partner_id, event_id`,
    [
      JSON.stringify(
        firsts.map((item) => ({
          partner_id: item.partnerId,
          event_id: item.eventId,
          event_type: item.eventType,
          payload_sha256: item.payloadSha256,
          payload: item.payloadText,
          occurred_at: item.occurredAt,
          signature_scheme: item.scheme,
          correlation_id: item.correlationId,
          received_at: item.receivedAt.toISOString(),
        })),
      ),
    ],
  );
  return new Set(rows.map((row) => eventKey(row.partner_id, row.event_id)));
}

async function storedHashes(tx: Sql, items: EventDelivery[]): Promise<Map<string, string>> {
  if (items.length === 0) return new Map();
  const rows = await tx.query<{ partner_id: string; event_id: string; payload_sha256: string }>(
    `SELECT i.partner_id, i.event_id, i.payload_sha256
       FROM webhook_inbox i
       JOIN jsonb_to_recordset($1::jsonb) AS r(partner_id text, event_id text) USING (partner_id, event_id)`,
    [JSON.stringify(items.map((item) => ({ partner_id: item.partnerId, event_id: item.eventId })))],
  );
  return new Map(rows.map((row) => [eventKey(row.partner_id, row.event_id), row.payload_sha256]));
}

interface OrderVersion {
  updatedAt: string;
  eventId: string;
}

/**
 * Last writer wins by the partner's last-modified time, judged event by event in arrival order:
 * an event older than the order's current state is recorded as superseded and changes nothing.
 */
async function applyOrderEffects(
  tx: Sql,
  processed: EventDelivery[],
): Promise<Map<string, 'applied' | 'superseded'>> {
  const effects = new Map<string, 'applied' | 'superseded'>();
  if (processed.length === 0) return effects;

  const orderKeys = [
    ...new Map(
      processed.map((item) => [eventKey(item.partnerId, item.order.order_id), item]),
    ).values(),
  ];
  const current = await tx.query<{
    partner_id: string;
    order_id: string;
    updated_at: Date;
    last_event_id: string;
  }>(
    `SELECT o.partner_id, o.order_id, o.updated_at, o.last_event_id
       FROM orders o
       JOIN jsonb_to_recordset($1::jsonb) AS r(partner_id text, order_id text) USING (partner_id, order_id)
      ORDER BY o.partner_id COLLATE "C", o.order_id COLLATE "C"
        FOR UPDATE OF o`,
    [
      JSON.stringify(
        orderKeys.map((item) => ({ partner_id: item.partnerId, order_id: item.order.order_id })),
      ),
    ],
  );
  const versions = new Map<string, OrderVersion>(
    current.map((row) => [
      eventKey(row.partner_id, row.order_id),
      { updatedAt: row.updated_at.toISOString(), eventId: row.last_event_id },
    ]),
  );

  const winners = new Map<string, EventDelivery>();
  for (const item of processed) {
    const key = eventKey(item.partnerId, item.order.order_id);
    const candidate = { updatedAt: item.order.updated_at, eventId: item.eventId };
    const version = versions.get(key);
    if (version === undefined || isNewerVersion(candidate, version)) {
      versions.set(key, candidate);
      winners.set(key, item);
      effects.set(eventKey(item.partnerId, item.eventId), 'applied');
    } else {
      effects.set(eventKey(item.partnerId, item.eventId), 'superseded');
    }
  }

  if (winners.size > 0) {
    const written = await upsertOrders(tx, [...winners.values()]);
    // Another worker may have stored a newer state of a brand-new order meanwhile: then ours lost.
    for (const [key, item] of winners) {
      if (!written.has(key)) effects.set(eventKey(item.partnerId, item.eventId), 'superseded');
    }
  }

  await tx.query(
    `INSERT INTO order_events (partner_id, event_id, order_id, event_type, occurred_at, version_at, outcome,
                               correlation_id, recorded_at)
     SELECT partner_id, event_id, order_id, event_type, occurred_at, version_at, outcome, correlation_id, recorded_at
       FROM jsonb_to_recordset($1::jsonb) AS r(partner_id text, event_id text, order_id text, event_type text,
            occurred_at timestamptz, version_at timestamptz, outcome text, correlation_id text, recorded_at timestamptz)
      ORDER BY partner_id COLLATE "C", event_id COLLATE "C"`,
    [
      JSON.stringify(
        processed.map((item) => ({
          partner_id: item.partnerId,
          event_id: item.eventId,
          order_id: item.order.order_id,
          event_type: item.eventType,
          occurred_at: item.occurredAt,
          version_at: item.order.updated_at,
          outcome: effects.get(eventKey(item.partnerId, item.eventId)),
          correlation_id: item.correlationId,
          recorded_at: item.receivedAt.toISOString(),
        })),
      ),
    ],
  );
  return effects;
}

async function upsertOrders(tx: Sql, winners: EventDelivery[]): Promise<Set<string>> {
  const rows = await tx.query<{ partner_id: string; order_id: string }>(
    `INSERT INTO orders (partner_id, order_id, status, total_amount, currency, updated_at, attributes,
                         last_event_id, correlation_id, first_seen_at)
     SELECT partner_id, order_id, status, total_amount, currency, updated_at, attributes, last_event_id,
            correlation_id, first_seen_at
       FROM jsonb_to_recordset($1::jsonb) AS r(partner_id text, order_id text, status text, total_amount bigint,
            currency text, updated_at timestamptz, attributes jsonb, last_event_id text, correlation_id text,
            first_seen_at timestamptz)
      ORDER BY partner_id COLLATE "C", order_id COLLATE "C"
     ON CONFLICT (partner_id, order_id) DO UPDATE
        SET status = EXCLUDED.status,
            total_amount = EXCLUDED.total_amount,
            currency = EXCLUDED.currency,
            updated_at = EXCLUDED.updated_at,
            attributes = EXCLUDED.attributes,
            last_event_id = EXCLUDED.last_event_id,
            correlation_id = EXCLUDED.correlation_id
      WHERE (orders.updated_at, orders.last_event_id COLLATE "C")
          < (EXCLUDED.updated_at, EXCLUDED.last_event_id COLLATE "C")
     RETURNING partner_id, order_id`,
    [JSON.stringify(winners.map((item) => orderRow(item, item.order)))],
  );
  return new Set(rows.map((row) => eventKey(row.partner_id, row.order_id)));
}

function orderRow(item: EventDelivery, order: OrderSnapshot): Record<string, unknown> {
  return {
    partner_id: item.partnerId,
    order_id: order.order_id,
    status: order.status,
    total_amount: order.total_amount,
    currency: order.currency,
    updated_at: order.updated_at,
    attributes: order.attributes,
    last_event_id: item.eventId,
    correlation_id: item.correlationId,
    first_seen_at: item.receivedAt.toISOString(),
  };
}

async function insertAuditRows(
  tx: Sql,
  batch: InboxSubmission[],
  outcomes: DeliveryOutcome[],
): Promise<void> {
  const rows = batch.map((item, index) => {
    const outcome = outcomes[index] as DeliveryOutcome;
    if (item.kind === 'refusal') {
      return {
        partner_id: item.partnerId,
        event_id: item.eventId ?? null,
        correlation_id: item.correlationId,
        outcome: 'refused',
        http_status: item.httpStatus,
        error_code: item.errorCode,
        reason: item.reason,
        payload_sha256: item.payloadSha256 ?? null,
        signature_scheme: item.scheme ?? null,
        received_at: item.receivedAt.toISOString(),
      };
    }
    return {
      partner_id: item.partnerId,
      event_id: item.eventId,
      correlation_id: item.correlationId,
      outcome: outcome.outcome,
      http_status: outcome.outcome === 'conflict' ? 409 : 200,
      error_code: outcome.outcome === 'conflict' ? 'event_conflict' : null,
      reason: outcome.outcome === 'conflict' ? 'same event_id, different payload' : null,
      payload_sha256: item.payloadSha256,
      signature_scheme: item.scheme,
      received_at: item.receivedAt.toISOString(),
    };
  });
  await tx.query(
    `INSERT INTO webhook_deliveries (partner_id, event_id, correlation_id, outcome, http_status, error_code, reason,
                                     payload_sha256, signature_scheme, received_at)
     SELECT partner_id, event_id, correlation_id, outcome, http_status, error_code, reason, payload_sha256,
            signature_scheme, received_at
       FROM jsonb_to_recordset($1::jsonb) AS r(partner_id text, event_id text, correlation_id text, outcome text,
            http_status integer, error_code text, reason text, payload_sha256 text, signature_scheme text,
            received_at timestamptz)`,
    [JSON.stringify(rows)],
  );
}

async function insertAlerts(
  tx: Sql,
  alerts: { partnerId: string; correlationId: string; alert: AlertDraft; raisedAt: Date }[],
): Promise<void> {
  if (alerts.length === 0) return;
  await tx.query(
    `INSERT INTO alerts (partner_id, correlation_id, kind, severity, message, details, raised_at)
     SELECT partner_id, correlation_id, kind, severity, message, details, raised_at
       FROM jsonb_to_recordset($1::jsonb) AS r(partner_id text, correlation_id text, kind text, severity text,
            message text, details jsonb, raised_at timestamptz)`,
    [
      JSON.stringify(
        alerts.map(({ partnerId, correlationId, alert, raisedAt }) => ({
          partner_id: partnerId,
          correlation_id: correlationId,
          kind: alert.kind,
          severity: alert.severity,
          message: alert.message,
          details: alert.details,
          raised_at: raisedAt.toISOString(),
        })),
      ),
    ],
  );
}
