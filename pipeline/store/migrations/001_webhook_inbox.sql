-- The webhook inbox and what hangs off it: the audit of every delivery, alerts, and the orders
-- the inbox's events create. Every record carries partner_id and correlation_id.

-- One row per distinct event a partner sent: the dedupe table. Rows are never updated; a
-- redelivery is recorded in webhook_deliveries only.
CREATE TABLE webhook_inbox (
  partner_id       text        NOT NULL,
  event_id         text        NOT NULL,
  event_type       text        NOT NULL,
  -- sha256 of the payload in canonical JSON: a redelivery with the same content matches even if
  -- the partner re-serialised it; the same event_id with other content is a conflict.
  payload_sha256   text        NOT NULL,
  payload          text        NOT NULL,
  occurred_at      timestamptz NOT NULL,
  signature_scheme text        NOT NULL,
  correlation_id   text        NOT NULL,
  received_at      timestamptz NOT NULL,
  seq              bigserial   NOT NULL,
  PRIMARY KEY (partner_id, event_id)
);
CREATE UNIQUE INDEX webhook_inbox_seq ON webhook_inbox (seq);

-- Every delivery attempt that reached the inbox, accepted or refused: the audit trail.
CREATE TABLE webhook_deliveries (
  seq              bigserial   PRIMARY KEY,
  partner_id       text        NOT NULL,
  event_id         text,
  correlation_id   text        NOT NULL,
  outcome          text        NOT NULL CHECK (outcome IN ('processed', 'replayed', 'conflict', 'refused')),
  http_status      integer     NOT NULL,
  error_code       text,
  reason           text,
  payload_sha256   text,
  signature_scheme text,
  received_at      timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (partner_id, event_id);
CREATE INDEX webhook_deliveries_correlation ON webhook_deliveries (correlation_id);

-- Things an operator must look at: bad signatures, conflicting redeliveries, invalid events.
CREATE TABLE alerts (
  seq            bigserial   PRIMARY KEY,
  partner_id     text        NOT NULL,
  correlation_id text        NOT NULL,
  kind           text        NOT NULL,
  severity       text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  message        text        NOT NULL,
  details        jsonb       NOT NULL DEFAULT '{}',
  raised_at      timestamptz NOT NULL
);
CREATE INDEX alerts_partner_kind ON alerts (partner_id, kind);
CREATE INDEX alerts_correlation ON alerts (correlation_id);

-- Orders in our field names. The partner's last-modified time is the version: a late-arriving
-- older event never overwrites a newer state.
CREATE TABLE orders (
  partner_id     text        NOT NULL,
  order_id       text        NOT NULL,
  status         text        NOT NULL CHECK (status IN ('open', 'cancelled')),
  total_amount   bigint      NOT NULL,
  currency       text        NOT NULL,
  updated_at     timestamptz NOT NULL,
  attributes     jsonb       NOT NULL DEFAULT '{}',
  last_event_id  text        NOT NULL,
  correlation_id text        NOT NULL,
  first_seen_at  timestamptz NOT NULL,
  PRIMARY KEY (partner_id, order_id)
);

-- The event chain of each order: exactly one row per processed event, saying whether its state
-- became the order's state (applied) or arrived after a newer one (superseded).
CREATE TABLE order_events (
  partner_id     text        NOT NULL,
  event_id       text        NOT NULL,
  order_id       text        NOT NULL,
  event_type     text        NOT NULL,
  occurred_at    timestamptz NOT NULL,
  version_at     timestamptz NOT NULL,
  outcome        text        NOT NULL CHECK (outcome IN ('applied', 'superseded')),
  correlation_id text        NOT NULL,
  recorded_at    timestamptz NOT NULL,
  seq            bigserial   NOT NULL,
  PRIMARY KEY (partner_id, event_id)
);
CREATE INDEX order_events_order ON order_events (partner_id, order_id, seq);
