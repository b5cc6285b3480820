import type {
  AlertRecord,
  AuditBudgetRecord,
  DeliveryAuditRecord,
  InboxEventDetail,
  InboxEventRecord,
  OrderChangeRecord,
  OrderRecord,
} from '../../contracts/ops/opsRecords.js';
import type { Sql } from '../store/store.js';
import { toPage, whereClause, type Page, type PageRequest } from './pagination.js';

/**
 * What the ops API shows, read straight from the store, in the record shapes declared once in
 * contracts/ops (the harness's oracles read the same types). Every record carries partner_id and
 * correlation_id; times are ISO-8601 UTC.
 */

interface InboxRow {
  seq: number;
  partner_id: string;
  event_id: string;
  event_type: string;
  payload_sha256: string;
  payload: string;
  occurred_at: Date;
  signature_scheme: string;
  correlation_id: string;
  received_at: Date;
}

interface DeliveryRow {
  seq: number;
  partner_id: string;
  event_id: string | null;
  correlation_id: string;
  outcome: string;
  http_status: number;
  error_code: string | null;
  reason: string | null;
  payload_sha256: string | null;
  signature_scheme: string | null;
  received_at: Date;
  source_address: string | null;
  alert_id: number | null;
}

interface AlertRow {
  seq: number;
  partner_id: string;
  correlation_id: string;
  kind: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
  raised_at: Date;
  last_raised_at: Date;
  occurrences: number;
  group_window_start: Date | null;
}

export async function listInbox(
  sql: Sql,
  filters: { partner_id?: string; event_id?: string; event_type?: string },
  page: PageRequest,
): Promise<Page<InboxEventRecord>> {
  const where = whereClause(filters, page);
  const rows = await sql.query<InboxRow>(`SELECT * FROM webhook_inbox ${where.sql}`, where.params);
  const counts = await deliveryCounts(sql, rows);
  return toPage(rows, page, (row) =>
    presentInbox(row, counts.get(`${row.partner_id}\u0000${row.event_id}`) ?? {}),
  );
}

export async function getInboxEvent(
  sql: Sql,
  partnerId: string,
  eventId: string,
): Promise<InboxEventDetail | undefined> {
  const [row] = await sql.query<InboxRow>(
    'SELECT * FROM webhook_inbox WHERE partner_id = $1 AND event_id = $2',
    [partnerId, eventId],
  );
  if (!row) return undefined;
  const deliveries = await sql.query<DeliveryRow>(
    'SELECT * FROM webhook_deliveries WHERE partner_id = $1 AND event_id = $2 ORDER BY seq',
    [partnerId, eventId],
  );
  const counts = await deliveryCounts(sql, [row]);
  return {
    ...presentInbox(row, counts.get(`${row.partner_id}\u0000${row.event_id}`) ?? {}),
    payload: JSON.parse(row.payload) as unknown,
    delivery_log: deliveries.map(presentDelivery),
  };
}

export async function listDeliveries(
  sql: Sql,
  filters: { partner_id?: string; event_id?: string; correlation_id?: string; outcome?: string },
  page: PageRequest,
): Promise<Page<DeliveryAuditRecord>> {
  const where = whereClause(filters, page);
  const rows = await sql.query<DeliveryRow>(
    `SELECT * FROM webhook_deliveries ${where.sql}`,
    where.params,
  );
  return toPage(rows, page, presentDelivery);
}

/**
 * Alerts, newest first. An alert is a group: every occurrence of one kind for one partner within
 * the grouping window, with its count and first and last time. `correlation_id` finds the group a
 * delivery counted in (through its audit row), not only the group's first delivery.
 */
export async function listAlerts(
  sql: Sql,
  filters: { partner_id?: string; kind?: string; correlation_id?: string },
  page: PageRequest,
): Promise<Page<AlertRecord>> {
  const { correlation_id: correlationId, ...plain } = filters;
  const where = whereClause(plain, page);
  let rows: AlertRow[];
  if (correlationId === undefined || correlationId === '') {
    rows = await sql.query<AlertRow>(`SELECT * FROM alerts ${where.sql}`, where.params);
  } else {
    const n = where.params.length + 1;
    const byCorrelation = `(correlation_id = $${n} OR seq IN (SELECT alert_id FROM webhook_deliveries WHERE correlation_id = $${n} AND alert_id IS NOT NULL))`;
    const sqlText = where.sql.startsWith('WHERE ')
      ? `SELECT * FROM alerts WHERE ${byCorrelation} AND ${where.sql.slice('WHERE '.length)}`
      : `SELECT * FROM alerts WHERE ${byCorrelation} ${where.sql}`;
    rows = await sql.query<AlertRow>(sqlText, [...where.params, correlationId]);
  }
  return toPage(rows, page, (row) => ({
    id: row.seq,
    partner_id: row.partner_id,
    correlation_id: row.correlation_id,
    kind: row.kind,
    severity: row.severity,
    message: row.message,
    details: row.details,
    raised_at: row.raised_at.toISOString(),
    occurrences: Number(row.occurrences),
    last_raised_at: row.last_raised_at.toISOString(),
    group_window_start: row.group_window_start?.toISOString() ?? null,
  }));
}

/**
 * Unauthenticated refusals per source address and window: how many came, how many were audited
 * in full, how many only counted (over the bound). Newest window first.
 */
export async function listAuditBudget(
  sql: Sql,
  filters: { source?: string },
  limit: number,
  auditedPerWindow: number,
): Promise<AuditBudgetRecord[]> {
  const rows = await sql.query<{
    source: string;
    window_start: Date;
    refusals: number;
    first_refused_at: Date;
    last_refused_at: Date;
  }>(
    `SELECT * FROM audit_budget WHERE ($1::text IS NULL OR source = $1)
      ORDER BY window_start DESC, source COLLATE "C" LIMIT $2`,
    [filters.source ?? null, limit],
  );
  return rows.map((row) => {
    const refusals = Number(row.refusals);
    const audited = Math.min(refusals, auditedPerWindow);
    return {
      source: row.source,
      window_start: row.window_start.toISOString(),
      refusals,
      audited,
      suppressed: refusals - audited,
      first_refused_at: row.first_refused_at.toISOString(),
      last_refused_at: row.last_refused_at.toISOString(),
    };
  });
}

export async function getOrder(
  sql: Sql,
  partnerId: string,
  orderId: string,
): Promise<OrderRecord | undefined> {
  const [order] = await sql.query<{
    partner_id: string;
    order_id: string;
    status: string;
    total_amount: number;
    currency: string;
    updated_at: Date;
    attributes: Record<string, unknown>;
    last_event_id: string;
    correlation_id: string;
    first_seen_at: Date;
  }>('SELECT * FROM orders WHERE partner_id = $1 AND order_id = $2', [partnerId, orderId]);
  const events = await sql.query<{
    event_id: string;
    event_type: string;
    occurred_at: Date;
    version_at: Date;
    outcome: string;
    correlation_id: string;
    recorded_at: Date;
  }>('SELECT * FROM order_events WHERE partner_id = $1 AND order_id = $2 ORDER BY seq', [
    partnerId,
    orderId,
  ]);
  if (!order && events.length === 0) return undefined;
  return {
    partner_id: partnerId,
    order_id: orderId,
    order: order
      ? {
          status: order.status,
          total_amount: Number(order.total_amount),
          currency: order.currency,
          updated_at: order.updated_at.toISOString(),
          attributes: order.attributes,
          last_event_id: order.last_event_id,
          correlation_id: order.correlation_id,
          first_seen_at: order.first_seen_at.toISOString(),
        }
      : null,
    event_chain: events.map((event) => ({
      event_id: event.event_id,
      event_type: event.event_type,
      occurred_at: event.occurred_at.toISOString(),
      version_at: event.version_at.toISOString(),
      outcome: event.outcome,
      correlation_id: event.correlation_id,
      recorded_at: event.recorded_at.toISOString(),
    })),
  };
}

async function deliveryCounts(
  sql: Sql,
  rows: InboxRow[],
): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  if (rows.length === 0) return counts;
  const tallies = await sql.query<{
    partner_id: string;
    event_id: string;
    outcome: string;
    n: number;
  }>(
    `SELECT d.partner_id, d.event_id, d.outcome, count(*)::bigint AS n
       FROM jsonb_to_recordset($1::jsonb) AS r(partner_id text, event_id text)
      CROSS JOIN LATERAL (SELECT * FROM webhook_deliveries w WHERE w.partner_id = r.partner_id AND w.event_id = r.event_id) d
      GROUP BY d.partner_id, d.event_id, d.outcome`,
    [JSON.stringify(rows.map((row) => ({ partner_id: row.partner_id, event_id: row.event_id })))],
  );
  for (const tally of tallies) {
    const key = `${tally.partner_id}\u0000${tally.event_id}`;
    const entry = counts.get(key) ?? {};
    entry[tally.outcome] = Number(tally.n);
    counts.set(key, entry);
  }
  return counts;
}

function presentInbox(row: InboxRow, deliveries: Record<string, number>): InboxEventRecord {
  return {
    partner_id: row.partner_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: 'processed',
    payload_sha256: row.payload_sha256,
    occurred_at: row.occurred_at.toISOString(),
    signature_scheme: row.signature_scheme,
    correlation_id: row.correlation_id,
    received_at: row.received_at.toISOString(),
    deliveries: { processed: 0, replayed: 0, conflict: 0, refused: 0, ...deliveries },
  };
}

function presentDelivery(row: DeliveryRow): DeliveryAuditRecord {
  return {
    id: row.seq,
    partner_id: row.partner_id,
    event_id: row.event_id,
    correlation_id: row.correlation_id,
    outcome: row.outcome,
    http_status: row.http_status,
    error_code: row.error_code,
    reason: row.reason,
    payload_sha256: row.payload_sha256,
    signature_scheme: row.signature_scheme,
    received_at: row.received_at.toISOString(),
    source_address: row.source_address,
    alert_id: row.alert_id === null ? null : Number(row.alert_id),
  };
}

/**
 * One background job (pipeline/jobs), as GET /ops/jobs lists it. Declared here until the ops
 * records in contracts/ops take it in. `partner_id` is null for the pipeline's own work.
 */
export interface JobRecord {
  id: number;
  kind: string;
  partner_id: string | null;
  key: string;
  state: string;
  run_at: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  /** The worker holding the job while it runs, and until when (its lease). */
  locked_by: string | null;
  locked_until: string | null;
  correlation_id: string;
  created_at: string;
  finished_at: string | null;
  payload: unknown;
}

/** Background jobs, newest first, by state, kind, partner or correlation id. */
export async function listJobs(
  sql: Sql,
  filters: { state?: string; kind?: string; partner_id?: string; correlation_id?: string },
  page: PageRequest,
): Promise<Page<JobRecord>> {
  const where = whereClause(filters, page);
  const rows = await sql.query<{
    seq: number;
    kind: string;
    partner_id: string | null;
    key: string;
    state: string;
    run_at: Date;
    attempts: number;
    max_attempts: number;
    last_error: string | null;
    locked_by: string | null;
    locked_until: Date | null;
    correlation_id: string;
    created_at: Date;
    finished_at: Date | null;
    payload: unknown;
  }>(`SELECT * FROM jobs ${where.sql}`, where.params);
  return toPage(rows, page, (row) => ({
    id: Number(row.seq),
    kind: row.kind,
    partner_id: row.partner_id,
    key: row.key,
    state: row.state,
    run_at: row.run_at.toISOString(),
    attempts: Number(row.attempts),
    max_attempts: Number(row.max_attempts),
    last_error: row.last_error,
    locked_by: row.locked_by,
    locked_until: row.locked_until?.toISOString() ?? null,
    correlation_id: row.correlation_id,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
    payload: row.payload,
  }));
}

/**
 * Committed order changes, newest first, as the change feed holds them: the control a partner's
 * export is checked against. It reads every committed row, whatever the export's visibility
 * horizon (pipeline/orders/orderChangeFeed.ts), so a change the export never shows is caught.
 * `changedSince` is on the order's version time, as the export's `changed_since` is.
 */
export async function listOrderChanges(
  sql: Sql,
  filters: { partner_id?: string; order_id?: string; changedSince?: string },
  page: PageRequest,
): Promise<Page<OrderChangeRecord>> {
  const rows = await sql.query<{
    seq: number | string;
    partner_id: string;
    order_id: string;
    event_id: string;
    source: string;
    status: string;
    total_amount: number | string;
    currency: string;
    updated_at: Date;
    correlation_id: string;
    recorded_at: Date;
  }>(
    `SELECT seq, partner_id, order_id, event_id, source, status, total_amount, currency,
            updated_at, correlation_id, recorded_at
       FROM order_changes
      WHERE ($1::text IS NULL OR partner_id = $1)
        AND ($2::text IS NULL OR order_id = $2)
        AND ($3::timestamptz IS NULL OR updated_at >= $3::timestamptz)
        AND ($4::bigint IS NULL OR seq < $4)
      ORDER BY seq DESC
      LIMIT $5`,
    [
      filters.partner_id ?? null,
      filters.order_id ?? null,
      filters.changedSince ?? null,
      page.beforeSeq ?? null,
      page.limit + 1,
    ],
  );
  return toPage(
    rows.map((row) => ({ ...row, seq: Number(row.seq) })),
    page,
    (row) => ({
      id: row.seq,
      partner_id: row.partner_id,
      order_id: row.order_id,
      event_id: row.event_id,
      updated_at: row.updated_at.toISOString(),
      source: row.source,
      status: row.status,
      total_amount: Number(row.total_amount),
      currency: row.currency,
      correlation_id: row.correlation_id,
      recorded_at: row.recorded_at.toISOString(),
    }),
  );
}
