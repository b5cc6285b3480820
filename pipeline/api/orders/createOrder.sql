-- POST /v1/orders: the partner's Idempotency-Key claimed and the order changed by the order
-- domain's rules, in one statement (see createOrder.ts for the transaction around it).
--
-- $1 partner_id   $2 idempotency_key   $3 request_sha256   $4 now: the version time, our clock
-- $5 correlation_id   $6 order_id   $7 event_id   $8 total_amount   $9 currency   $10 attributes
--
-- Returns one row: claimed (false when the key was used before: then nothing changed) and the
-- change's effect (applied | superseded) when claimed.
--
-- A key another transaction is claiming right now makes the INSERT wait for that transaction:
-- if it commits, this one claims nothing and replays its answer; if it rolls back, this one claims.
WITH claimed AS (
  INSERT INTO api_idempotency (partner_id, idempotency_key, request_sha256, correlation_id, created_at)
  VALUES ($1, $2, $3, $5, $4)
  ON CONFLICT (partner_id, idempotency_key) DO NOTHING
  RETURNING partner_id
),
-- A new order is an order.created change like any other: the same rules as the webhook inbox's.
order_proposals AS (
  SELECT 0 AS ord, c.partner_id, $6::text AS order_id, $7::text AS event_id,
         'order.created'::text AS event_type, $4::timestamptz AS occurred_at, 'open'::text AS status,
         $8::bigint AS total_amount, $9::text AS currency, $4::timestamptz AS updated_at,
         $10::jsonb AS attributes, $5::text AS correlation_id, $4::timestamptz AS recorded_at,
         'api'::text AS source
    FROM claimed c
),
@order_rules
SELECT EXISTS (SELECT 1 FROM claimed) AS claimed, (SELECT final_effect FROM settled) AS effect
