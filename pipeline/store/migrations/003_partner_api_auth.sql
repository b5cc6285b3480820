-- The partner API's security layer: state every pipeline worker must share, so that a token one
-- worker issued is accepted by all, and a partner's rate limit is one budget, not one per process.

-- The key access tokens are signed with, one row per purpose. The first worker to need it inserts
-- a freshly generated key with ON CONFLICT DO NOTHING and everyone reads back the row that won.
-- Kept as JWK text (Ed25519): whoever can read this table can mint tokens, as with any database
-- holding credentials.
CREATE TABLE api_signing_keys (
  purpose     text        PRIMARY KEY,
  kid         text        NOT NULL UNIQUE,
  algorithm   text        NOT NULL,
  private_jwk text        NOT NULL,
  public_jwk  text        NOT NULL,
  created_at  timestamptz NOT NULL
);

-- Fixed-window request counters, one row per partner and client: each request is one upsert that
-- either counts in the current window or starts the next one, so the table never grows past one
-- row per client.
CREATE TABLE api_rate_windows (
  partner_id   text        NOT NULL,
  client_id    text        NOT NULL,
  window_start timestamptz NOT NULL,
  requests     bigint      NOT NULL,
  PRIMARY KEY (partner_id, client_id)
);
