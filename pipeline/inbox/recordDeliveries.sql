-- One batch of webhook deliveries, judged and recorded in a single statement: one round trip,
-- atomic by itself. Under load a round trip costs milliseconds, so this replaced a transaction of
-- four (see the issue notes); the stages below read top to bottom.
--
-- $1  events:    [{ord, partner_id, event_id, event_type, payload_sha256, payload, occurred_at,
--                  signature_scheme, correlation_id, received_at, source, alert_window, order_id,
--                  status, total_amount, currency, updated_at, attributes}]  (ord = arrival order)
-- $2  refusals:  [{ord, partner_id, event_id, correlation_id, http_status, error_code, reason,
--                  payload_sha256, signature_scheme, received_at, source, unauthenticated,
--                  budget_window, alert_window, alert_kind, alert_severity, alert_message,
--                  alert_details}]
-- $3  how many unauthenticated refusals per source and budget window are audited in full
--
-- Returns one row per event (item 'event'): ord, outcome (processed | replayed | conflict |
-- retry), effect (applied | superseded, for processed), stored_sha256 (for conflict). "retry":
-- another worker inserted the event while this statement waited for it, after this statement's
-- snapshot; such deliveries are left untouched here (no audit row) and recorded by a second
-- statement. And one row per refusal (item 'refusal'): ord, outcome audited | suppressed.
--
-- Alerts are grouped per (partner, kind, alert_window): one row per group, its occurrences
-- counted. Windows are computed by the caller (fixed, epoch-aligned), so every worker agrees.
WITH input AS (
  SELECT r.*,
         r.ord = min(r.ord) OVER (PARTITION BY r.partner_id, r.event_id) AS first_of_key
    FROM jsonb_to_recordset($1::jsonb) AS r(ord integer, partner_id text, event_id text, event_type text,
         payload_sha256 text, payload text, occurred_at timestamptz, signature_scheme text,
         correlation_id text, received_at timestamptz, source text, alert_window timestamptz, order_id text, status text, total_amount bigint,
         currency text, updated_at timestamptz, attributes jsonb)
),
-- The first delivery of each event key tries to claim it in the inbox (key order: no deadlocks).
claimed AS (
  INSERT INTO webhook_inbox (partner_id, event_id, event_type, payload_sha256, payload, occurred_at,
                             signature_scheme, correlation_id, received_at)
  SELECT partner_id, event_id, event_type, payload_sha256, payload, occurred_at, signature_scheme,
         correlation_id, received_at
    FROM input WHERE first_of_key
   ORDER BY partner_id COLLATE "C", event_id COLLATE "C"
  ON CONFLICT (partner_id, event_id) DO NOTHING
  RETURNING partner_id, event_id
),
-- Keys already in the inbox before this statement, with their payload hash (index probes).
stored AS (
  SELECT i.partner_id, i.event_id, i.payload_sha256
    FROM input
   CROSS JOIN LATERAL (SELECT w.partner_id, w.event_id, w.payload_sha256 FROM webhook_inbox w
                        WHERE w.partner_id = input.partner_id AND w.event_id = input.event_id) i
   WHERE input.first_of_key
),
-- Each delivery's verdict, in arrival order: a claimed first delivery is processed; any other is
-- compared with the stored payload (or with its claimed first delivery's, inside this batch).
judged AS (
  SELECT k.*,
         CASE
           WHEN k.first_of_key AND k.claimed THEN 'processed'
           WHEN k.stored_sha256 IS NULL THEN 'retry'
           WHEN k.stored_sha256 = k.payload_sha256 THEN 'replayed'
           ELSE 'conflict'
         END AS outcome
    FROM (SELECT input.*,
                 c.event_id IS NOT NULL AS claimed,
                 CASE WHEN c.event_id IS NOT NULL THEN first.payload_sha256 ELSE s.payload_sha256 END AS stored_sha256
            FROM input
            LEFT JOIN claimed c ON c.partner_id = input.partner_id AND c.event_id = input.event_id
            LEFT JOIN stored s ON s.partner_id = input.partner_id AND s.event_id = input.event_id
            LEFT JOIN input first ON first.partner_id = input.partner_id AND first.event_id = input.event_id
                                 AND first.first_of_key) k
),
-- Processed events are order changes, made by the order domain's rules (pipeline/orders/
-- orderRules.sql): versions, last writer wins, the order upsert, the event chain, the change feed.
order_proposals AS (
  SELECT ord, partner_id, order_id, event_id, event_type, occurred_at, status, total_amount, currency,
         updated_at, attributes, correlation_id, received_at AS recorded_at, 'webhook' AS source
    FROM judged WHERE outcome = 'processed'
),
@order_rules,
refusals AS (
  SELECT r.*, row_number() OVER (PARTITION BY r.source, r.budget_window ORDER BY r.ord) AS budget_rank
    FROM jsonb_to_recordset($2::jsonb) AS r(ord integer, partner_id text, event_id text, correlation_id text,
         http_status integer, error_code text, reason text, payload_sha256 text, signature_scheme text,
         received_at timestamptz, source text, unauthenticated boolean, budget_window timestamptz,
         alert_window timestamptz, alert_kind text, alert_severity text, alert_message text, alert_details jsonb)
),
-- Unauthenticated refusals counted per source and window in the store, so the bound holds across
-- workers: the upsert locks the row, and returns the count including this batch's.
budget_claims AS (
  SELECT source, budget_window, count(*) AS n, min(received_at) AS first_at, max(received_at) AS last_at
    FROM refusals WHERE unauthenticated
   GROUP BY source, budget_window
),
budget AS (
  INSERT INTO audit_budget (source, window_start, refusals, first_refused_at, last_refused_at)
  SELECT source, budget_window, n, first_at, last_at FROM budget_claims
   ORDER BY source COLLATE "C", budget_window
  ON CONFLICT (source, window_start) DO UPDATE
     SET refusals = audit_budget.refusals + EXCLUDED.refusals,
         last_refused_at = greatest(audit_budget.last_refused_at, EXCLUDED.last_refused_at)
  RETURNING source, window_start, refusals
),
-- A refusal is audited in full if authenticated, or while its source is within the bound.
refusal_fates AS (
  SELECT r.*, (NOT r.unauthenticated OR b.refusals - c.n + r.budget_rank <= $3) AS audited
    FROM refusals r
    LEFT JOIN budget_claims c ON c.source = r.source AND c.budget_window = r.budget_window
    LEFT JOIN budget b ON b.source = r.source AND b.window_start = r.budget_window
),
-- Alerts: every conflict, and every refusal that carries one (audited in full or not) ...
alert_drafts AS (
  SELECT partner_id, correlation_id, 'webhook.event_conflict' AS kind, 'critical' AS severity,
         'event ' || event_id || ' was redelivered with a different payload; the redelivery was not applied' AS message,
         jsonb_build_object('event_id', event_id, 'stored_sha256', stored_sha256, 'received_sha256', payload_sha256) AS details,
         received_at, alert_window, 0 AS source_rank, ord
    FROM judged WHERE outcome = 'conflict'
  UNION ALL
  SELECT partner_id, correlation_id, alert_kind, alert_severity, alert_message, alert_details, received_at,
         alert_window, 1, ord
    FROM refusals WHERE alert_kind IS NOT NULL
),
-- ... one per group in this batch, its first occurrence describing it ...
alert_groups AS (
  SELECT DISTINCT ON (partner_id, kind, alert_window)
         partner_id, kind, alert_window, correlation_id, severity, message, details, received_at,
         count(*) OVER w AS occurrences, max(received_at) OVER w AS last_at
    FROM alert_drafts
  WINDOW w AS (PARTITION BY partner_id, kind, alert_window)
   ORDER BY partner_id, kind, alert_window, received_at, source_rank, ord
),
-- ... added to the group's record: a new group, or one more count on the open one.
raised AS (
  INSERT INTO alerts (partner_id, correlation_id, kind, severity, message, details, raised_at, last_raised_at,
                      occurrences, group_window_start)
  SELECT partner_id, correlation_id, kind, severity, message, details, received_at, last_at, occurrences, alert_window
    FROM alert_groups
   ORDER BY partner_id COLLATE "C", kind COLLATE "C", alert_window
  ON CONFLICT (partner_id, kind, group_window_start) WHERE group_window_start IS NOT NULL DO UPDATE
     SET occurrences = alerts.occurrences + EXCLUDED.occurrences,
         last_raised_at = greatest(alerts.last_raised_at, EXCLUDED.last_raised_at)
  RETURNING seq, partner_id, kind, group_window_start
),
-- One audit row per delivery, accepted or refused ("retry" deliveries are audited when retried;
-- unauthenticated refusals over the bound only counted in audit_budget), naming its alert group.
audit AS (
  INSERT INTO webhook_deliveries (partner_id, event_id, correlation_id, outcome, http_status, error_code, reason,
                                  payload_sha256, signature_scheme, received_at, source_address, alert_id)
  SELECT j.partner_id, j.event_id, j.correlation_id, j.outcome,
         CASE WHEN j.outcome = 'conflict' THEN 409 ELSE 200 END,
         CASE WHEN j.outcome = 'conflict' THEN 'event_conflict' END,
         CASE WHEN j.outcome = 'conflict' THEN 'same event_id, different payload' END,
         j.payload_sha256, j.signature_scheme, j.received_at, j.source, a.seq
    FROM judged j
    LEFT JOIN raised a ON j.outcome = 'conflict' AND a.partner_id = j.partner_id
                      AND a.kind = 'webhook.event_conflict' AND a.group_window_start = j.alert_window
   WHERE j.outcome <> 'retry'
  UNION ALL
  SELECT f.partner_id, f.event_id, f.correlation_id, 'refused', f.http_status, f.error_code, f.reason,
         f.payload_sha256, f.signature_scheme, f.received_at, f.source, a.seq
    FROM refusal_fates f
    LEFT JOIN raised a ON a.partner_id = f.partner_id AND a.kind = f.alert_kind AND a.group_window_start = f.alert_window
   WHERE f.audited
)
SELECT 'event' AS item, j.ord, j.outcome, s.final_effect AS effect,
       CASE WHEN j.outcome = 'conflict' THEN j.stored_sha256 END AS stored_sha256
  FROM judged j
  LEFT JOIN settled s ON s.partner_id = j.partner_id AND s.event_id = j.event_id AND s.ord = j.ord
UNION ALL
SELECT 'refusal', f.ord, CASE WHEN f.audited THEN 'audited' ELSE 'suppressed' END, NULL, NULL
  FROM refusal_fates f
 ORDER BY 1, 2
