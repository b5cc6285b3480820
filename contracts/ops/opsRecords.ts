/**
 * The records the ops API answers with, declared once: the pipeline presents its rows in these
 * shapes and the harness's oracles read them back in the same ones, so a field renamed on one side
 * is a type error on the other. Every record carries `partner_id` and `correlation_id` (alerts and
 * audit rows) or names the partner in its path; times are ISO-8601 UTC strings.
 *
 *   GET /ops/partners                          { items: PartnerRecord[] }
 *   GET /ops/inbox                             OpsPage<InboxEventRecord>
 *   GET /ops/inbox/{partner_id}/{event_id}     InboxEventDetail
 *   GET /ops/deliveries                        OpsPage<DeliveryAuditRecord>
 *   GET /ops/alerts                            OpsPage<AlertRecord>
 *   GET /ops/audit-budget                      { items: AuditBudgetRecord[], audited_per_window }
 *   GET /ops/orders/{partner_id}/{order_id}    OrderRecord
 *   GET /ops/order-changes                     OpsPage<OrderChangeRecord>
 */

/** A list endpoint's page: newest first; `next_cursor` is null on the last page. */
export interface OpsPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** How a delivery to the webhook inbox ended, as its audit row says. */
export type DeliveryOutcome = 'processed' | 'replayed' | 'conflict' | 'refused';

/** Deliveries of one event, counted by outcome (every outcome present, 0 when none). */
export type DeliveryCounts = Record<DeliveryOutcome, number> & Record<string, number>;

export interface InboxEventRecord {
  partner_id: string;
  event_id: string;
  event_type: string;
  /** An event in the inbox was processed: refused deliveries never reach it. */
  status: 'processed';
  payload_sha256: string;
  occurred_at: string;
  signature_scheme: string;
  correlation_id: string;
  received_at: string;
  deliveries: DeliveryCounts;
}

/** One inbox event with its payload and every delivery of it, oldest first. */
export interface InboxEventDetail extends InboxEventRecord {
  payload: unknown;
  delivery_log: DeliveryAuditRecord[];
}

/** One row of the delivery audit: every delivery, accepted or refused, leaves one. */
export interface DeliveryAuditRecord {
  id: number;
  partner_id: string;
  event_id: string | null;
  correlation_id: string;
  outcome: DeliveryOutcome | string;
  http_status: number;
  error_code: string | null;
  reason: string | null;
  payload_sha256: string | null;
  signature_scheme: string | null;
  received_at: string;
  source_address: string | null;
  /** The alert group this delivery counted in, if it raised one. */
  alert_id: number | null;
}

/** An alert group: every occurrence of one kind for one partner within the grouping window. */
export interface AlertRecord {
  id: number;
  partner_id: string;
  correlation_id: string;
  kind: string;
  severity: 'info' | 'warning' | 'critical' | string;
  message: string;
  details: Record<string, unknown>;
  raised_at: string;
  occurrences: number;
  last_raised_at: string;
  group_window_start: string | null;
}

/** Unauthenticated refusals from one source address in one window. */
export interface AuditBudgetRecord {
  source: string;
  window_start: string;
  refusals: number;
  audited: number;
  suppressed: number;
  first_refused_at: string;
  last_refused_at: string;
}

/** An order's current state, in our field names. */
export interface OrderState {
  status: 'open' | 'cancelled' | string;
  total_amount: number;
  currency: string;
  updated_at: string;
  attributes: Record<string, unknown>;
  last_event_id: string;
  correlation_id: string;
  first_seen_at: string;
}

/** One event in an order's chain, with how it ended for the order. */
export interface OrderChainEntry {
  event_id: string;
  event_type: string;
  occurred_at: string;
  version_at: string;
  outcome: 'applied' | 'superseded' | string;
  correlation_id: string;
  recorded_at: string;
}

/** An order and its event chain; `order` is null while only refused or pending events exist. */
export interface OrderRecord {
  partner_id: string;
  order_id: string;
  order: OrderState | null;
  event_chain: OrderChainEntry[];
}

/** A partner as the pipeline knows it, and how each of its intakes is wired (never secrets). */
export interface PartnerRecord {
  partner_id: string;
  name: string;
  modes: string[];
  security: string[];
  sla: Record<string, unknown>;
  webhook: {
    inbox_path: string;
    signature_schemes: string[];
    window_s: number;
    secrets_configured: number;
  } | null;
}

/**
 * One committed change of an order, as the order change feed holds it (the partner API's export
 * shows the same changes to the partner): the control an export is checked against.
 * `GET /ops/order-changes?partner_id=&order_id=&changed_since=` lists them newest first; like the
 * export, `changed_since` is on the order's version time (`updated_at`).
 */
export interface OrderChangeRecord {
  /** The change's place in the feed, unique and rising in the order changes were recorded. */
  id: number;
  partner_id: string;
  order_id: string;
  /** The order's version after the change: (updated_at, event_id), the greater pair wins. */
  event_id: string;
  updated_at: string;
  /** The intake the change came through. */
  source: 'webhook' | 'api' | string;
  status: 'open' | 'cancelled' | string;
  /** Minor units of `currency`. */
  total_amount: number;
  currency: string;
  correlation_id: string;
  recorded_at: string;
}
