-- The order domain's change feed, which the partner API's export reads (GET /v1/orders), and the
-- idempotency records of the partner API's unsafe requests (POST /v1/orders).

-- Where an order's latest change sits in the feed (see order_changes.feed_xid): the next change
-- of the same order is placed at or after it, so one order's changes read in version order.
ALTER TABLE orders ADD COLUMN feed_xid xid8;

-- One row per committed change of an order, carrying the order's state after it. Written in the
-- same transaction as the order (pipeline/orders/orderRules.sql); never updated.
--
-- A row's feed position is (feed_xid, seq). feed_xid is the writing transaction's id, raised to
-- the order's previous feed_xid when that is higher; seq breaks ties. A reader takes only rows
-- whose feed_xid is below its snapshot's xmin: every transaction with an id below it has ended,
-- and a row's feed_xid is never below its writer's id, so no row can later appear behind a
-- position a reader has passed (pipeline/orders/orderChangeFeed.ts has the whole argument).
CREATE TABLE order_changes (
  seq            bigserial   PRIMARY KEY,
  feed_xid       xid8        NOT NULL,
  partner_id     text        NOT NULL,
  order_id       text        NOT NULL,
  -- The event whose state this is: the partner's webhook event_id, or the id the API gave a POST.
  event_id       text        NOT NULL,
  source         text        NOT NULL CHECK (source IN ('webhook', 'api')),
  status         text        NOT NULL CHECK (status IN ('open', 'cancelled')),
  total_amount   bigint      NOT NULL,
  currency       text        NOT NULL,
  -- The order's version time (the partner's last-modified time, or our clock for the API).
  updated_at     timestamptz NOT NULL,
  attributes     jsonb       NOT NULL,
  correlation_id text        NOT NULL,
  recorded_at    timestamptz NOT NULL
);
CREATE INDEX order_changes_partner_position ON order_changes (partner_id, feed_xid, seq);

-- Orders stored before the feed existed enter it once, as of this migration.
UPDATE orders SET feed_xid = pg_current_xact_id();
ALTER TABLE orders ALTER COLUMN feed_xid SET NOT NULL;
INSERT INTO order_changes (feed_xid, partner_id, order_id, event_id, source, status, total_amount,
                           currency, updated_at, attributes, correlation_id, recorded_at)
SELECT feed_xid, partner_id, order_id, last_event_id, 'webhook', status, total_amount, currency,
       updated_at, attributes, correlation_id, now()
  FROM orders
 ORDER BY partner_id COLLATE "C", order_id COLLATE "C";

-- The key export cursors are signed with (HMAC-SHA256), one row per purpose: the first worker to
-- need it inserts a fresh one with ON CONFLICT DO NOTHING, and every worker reads back the winner,
-- so a cursor one worker issued is accepted by all.
CREATE TABLE cursor_signing_keys (
  purpose    text        PRIMARY KEY,
  secret     text        NOT NULL,
  created_at timestamptz NOT NULL
);

-- One row per partner and Idempotency-Key: the hash of the request it was first used with and the
-- answer given, replayed to a retry of the same request. The row is inserted and answered in one
-- transaction, so nobody ever sees a key without its answer; a concurrent request with the same
-- key waits on the primary key and then replays.
CREATE TABLE api_idempotency (
  partner_id      text        NOT NULL,
  idempotency_key text        NOT NULL,
  request_sha256  text        NOT NULL,
  response_status integer,
  -- The body as first sent (text, not jsonb: a replay is byte for byte the same).
  response_body   text,
  correlation_id  text        NOT NULL,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (partner_id, idempotency_key)
);
