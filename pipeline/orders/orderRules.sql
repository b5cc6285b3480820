-- The order domain's rules for changing an order, as stages of one statement. Not a statement by
-- itself: every intake composes it into its own (see orderRules.ts), after a stage named
-- order_proposals that holds the changes it wants to make, one row per change:
--
--   ord (integer: arrival order), partner_id, order_id, event_id, event_type, occurred_at,
--   status, total_amount, currency, updated_at (the version time), attributes (jsonb),
--   correlation_id, recorded_at (our clock), source ('webhook' | 'api')
--
-- (partner_id, event_id) is unique among the proposals and never seen before. The stages the
-- intake may read afterwards: settled (one row per proposal with its final_effect, applied or
-- superseded) and written (the orders whose state changed).
--
-- Versions compare as (version time, event id) in byte order: encoded as one text, a fixed-width
-- UTC time, a space (below every character an event id may hold), the event id.
versioned_proposals AS (
  SELECT p.*,
         to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || ' ' || p.event_id AS version
    FROM order_proposals p
),
-- The current version of every order a proposal touches, locked (key order: no deadlocks).
current_orders AS (
  SELECT o.partner_id, o.order_id,
         to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || ' ' || o.last_event_id AS version
    FROM (SELECT DISTINCT partner_id, order_id FROM versioned_proposals) k
   CROSS JOIN LATERAL (SELECT x.* FROM orders x
                        WHERE x.partner_id = k.partner_id AND x.order_id = k.order_id
                        FOR UPDATE) o
   ORDER BY o.partner_id COLLATE "C", o.order_id COLLATE "C"
),
-- Last writer wins, change by change in arrival order: applied if newer than the order's state at
-- that moment (stored version, or an earlier proposal of this statement), else superseded.
effects AS (
  SELECT p.*,
         CASE WHEN p.version COLLATE "C" > greatest(
                     coalesce(co.version, '') COLLATE "C",
                     coalesce(max(p.version COLLATE "C") OVER (PARTITION BY p.partner_id, p.order_id ORDER BY p.ord
                                                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), '') COLLATE "C")
              THEN 'applied' ELSE 'superseded' END AS effect
    FROM versioned_proposals p
    LEFT JOIN current_orders co ON co.partner_id = p.partner_id AND co.order_id = p.order_id
),
-- Per order, the applied change whose state the order ends in.
winners AS (
  SELECT DISTINCT ON (partner_id, order_id) *
    FROM effects WHERE effect = 'applied'
   ORDER BY partner_id, order_id, version COLLATE "C" DESC
),
-- Order upserts; a newer state stored meanwhile by another worker is never overwritten. The
-- order's feed position moves to this transaction's id, or stays where it was if that is higher
-- (a transaction that began before the previous change committed): see order_changes.
written AS (
  INSERT INTO orders (partner_id, order_id, status, total_amount, currency, updated_at, attributes,
                      last_event_id, correlation_id, first_seen_at, feed_xid)
  SELECT partner_id, order_id, status, total_amount, currency, updated_at, attributes, event_id,
         correlation_id, recorded_at, pg_current_xact_id()
    FROM winners
   ORDER BY partner_id COLLATE "C", order_id COLLATE "C"
  ON CONFLICT (partner_id, order_id) DO UPDATE
     SET status = EXCLUDED.status,
         total_amount = EXCLUDED.total_amount,
         currency = EXCLUDED.currency,
         updated_at = EXCLUDED.updated_at,
         attributes = EXCLUDED.attributes,
         last_event_id = EXCLUDED.last_event_id,
         correlation_id = EXCLUDED.correlation_id,
         feed_xid = greatest(orders.feed_xid, EXCLUDED.feed_xid)
   WHERE (orders.updated_at, orders.last_event_id COLLATE "C")
       < (EXCLUDED.updated_at, EXCLUDED.last_event_id COLLATE "C")
  RETURNING partner_id, order_id, feed_xid
),
-- The final effect: a winner whose order was not written lost to a newer state from elsewhere.
settled AS (
  SELECT e.*,
         CASE WHEN e.effect = 'applied'
                   AND EXISTS (SELECT 1 FROM winners w WHERE w.partner_id = e.partner_id AND w.order_id = e.order_id AND w.event_id = e.event_id)
                   AND NOT EXISTS (SELECT 1 FROM written o WHERE o.partner_id = e.partner_id AND o.order_id = e.order_id)
              THEN 'superseded' ELSE e.effect END AS final_effect
    FROM effects e
),
-- One event-chain row per proposal.
chain AS (
  INSERT INTO order_events (partner_id, event_id, order_id, event_type, occurred_at, version_at, outcome,
                            correlation_id, recorded_at)
  SELECT partner_id, event_id, order_id, event_type, occurred_at, updated_at, final_effect, correlation_id,
         recorded_at
    FROM settled
   ORDER BY partner_id COLLATE "C", event_id COLLATE "C"
),
-- One change-feed row per order written: its state as this statement leaves it.
feed AS (
  INSERT INTO order_changes (feed_xid, partner_id, order_id, event_id, source, status, total_amount,
                             currency, updated_at, attributes, correlation_id, recorded_at)
  SELECT o.feed_xid, w.partner_id, w.order_id, w.event_id, w.source, w.status, w.total_amount,
         w.currency, w.updated_at, w.attributes, w.correlation_id, w.recorded_at
    FROM written o
    JOIN winners w ON w.partner_id = o.partner_id AND w.order_id = o.order_id
   ORDER BY w.partner_id COLLATE "C", w.order_id COLLATE "C"
)
