-- Work the pipeline starts itself (polls, deadlines, retries, queue drains, housekeeping), one row
-- per unit of work, claimed by whichever worker gets there first (pipeline/jobs/jobRunner.ts).
-- Times are the pipeline's clock, passed in; the database's now() is never used, so tests drive
-- the whole lifecycle with a fake clock.
CREATE TABLE jobs (
  seq            bigserial   PRIMARY KEY,
  kind           text        NOT NULL,
  -- NULL for work of the pipeline as a whole (housekeeping).
  partner_id     text,
  -- The dedupe key: at most one pending job per kind, partner and key (jobs_pending_key below).
  key            text        NOT NULL,
  payload        jsonb       NOT NULL DEFAULT '{}',
  state          text        NOT NULL DEFAULT 'pending'
                             CHECK (state IN ('pending', 'running', 'done', 'dead')),
  run_at         timestamptz NOT NULL,
  -- Attempts started, this one included while running.
  attempts       integer     NOT NULL DEFAULT 0,
  -- The retry policy the job was scheduled under (the partner profile's retry_policy shape), kept
  -- with the job so that a restart or another worker retries it the same way.
  max_attempts   integer     NOT NULL CHECK (max_attempts >= 1),
  backoff_ms_cap bigint      NOT NULL CHECK (backoff_ms_cap >= 0),
  jitter         text        NOT NULL CHECK (jitter IN ('none', 'full', 'equal')),
  last_error     text,
  -- The lease: who runs it and until when. A worker that dies mid-job leaves the lease to run out,
  -- and the job is claimed again.
  locked_by      text,
  locked_until   timestamptz,
  correlation_id text        NOT NULL,
  created_at     timestamptz NOT NULL,
  finished_at    timestamptz
);

-- partner_id is NULL for pipeline-wide work; coalesce makes two such jobs the same key (NULLS NOT
-- DISTINCT would need PostgreSQL 15). schedule() names the same expression in ON CONFLICT.
CREATE UNIQUE INDEX jobs_pending_key ON jobs (kind, (coalesce(partner_id, '')), key)
  WHERE state = 'pending';
-- What a claim looks for: pending jobs that are due, running jobs whose lease is over.
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_lease ON jobs (locked_until) WHERE state = 'running';
-- GET /ops/jobs?state=…, newest first; and housekeeping of finished jobs.
CREATE INDEX jobs_state_seq ON jobs (state, seq);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
