-- Floods: a partner (or anyone) sending thousands of bad requests must not write thousands of
-- alerts, nor an unbounded audit trail for requests nobody authenticated.

-- Alerts are grouped per partner and kind within a fixed window, the way Alertmanager groups:
-- one record with how many times it fired and when first and last. Rows written before this
-- migration keep group_window_start NULL and stay one occurrence each.
ALTER TABLE alerts ADD COLUMN occurrences bigint NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN last_raised_at timestamptz;
UPDATE alerts SET last_raised_at = raised_at;
ALTER TABLE alerts ALTER COLUMN last_raised_at SET NOT NULL;
ALTER TABLE alerts ADD COLUMN group_window_start timestamptz;
CREATE UNIQUE INDEX alerts_group ON alerts (partner_id, kind, group_window_start)
  WHERE group_window_start IS NOT NULL;

-- Each audited delivery names the alert group it counted in, and where it came from.
ALTER TABLE webhook_deliveries ADD COLUMN alert_id bigint;
ALTER TABLE webhook_deliveries ADD COLUMN source_address text;

-- Refusals of requests nobody authenticated, counted per source address and window. Up to the
-- pipeline's bound each is audited in full; the rest are only counted here (suppressed =
-- refusals beyond the bound), so a flood costs one row per source and window.
CREATE TABLE audit_budget (
  source           text        NOT NULL,
  window_start     timestamptz NOT NULL,
  refusals         bigint      NOT NULL,
  first_refused_at timestamptz NOT NULL,
  last_refused_at  timestamptz NOT NULL,
  PRIMARY KEY (source, window_start)
);
