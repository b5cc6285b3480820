import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../lib/clock.js';
import type { Sql } from '../store/store.js';

/**
 * Background work on /metrics. The counters are this worker's (summed across `--workers`); the
 * backlog gauges read the store, which every worker shares, so across workers they are one
 * number (max), not a sum.
 */
export interface JobMetrics {
  /** Attempts that ran to an end (done or failed), by kind. */
  run: Counter<'kind'>;
  /** Attempts that failed (retried or dead-lettered), by kind. */
  failed: Counter<'kind'>;
  /** Jobs dead-lettered: out of attempts, or their worker died on the last one. */
  dead: Counter<'kind'>;
}

export function createJobMetrics(registry: Registry, store: Sql, clock: Clock): JobMetrics {
  const backlog = async (): Promise<Map<string, { due: number; oldestMs: number }>> => {
    const nowMs = clock.now();
    const rows = await store.query<{ kind: string; due: number; oldest: Date | string }>(
      // Due: pending and past its time, or running on a lease that ran out (its worker died).
      `SELECT kind, count(*)::bigint AS due,
              min(CASE WHEN state = 'pending' THEN run_at ELSE locked_until END) AS oldest
         FROM jobs
        WHERE (state = 'pending' AND run_at <= $1::timestamptz)
           OR (state = 'running' AND locked_until <= $1::timestamptz)
        GROUP BY kind`,
      [new Date(nowMs).toISOString()],
    );
    return new Map(
      rows.map((row) => [
        row.kind,
        { due: Number(row.due), oldestMs: Math.max(0, nowMs - new Date(row.oldest).getTime()) },
      ]),
    );
  };
  new Gauge({
    name: 'b2b_jobs_backlog',
    help: 'Background jobs due and not yet run (or whose worker died mid-run), by kind; read from the store, one number for all workers.',
    labelNames: ['kind'] as const,
    registers: [registry],
    aggregator: 'max',
    async collect() {
      const byKind = await backlog();
      this.reset();
      for (const [kind, { due }] of byKind) this.set({ kind }, due);
    },
  });
  new Gauge({
    name: 'b2b_jobs_oldest_due_seconds',
    help: 'How long the oldest due background job has waited past its time, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    aggregator: 'max',
    async collect() {
      const byKind = await backlog();
      this.reset();
      for (const [kind, { oldestMs }] of byKind) this.set({ kind }, oldestMs / 1000);
    },
  });
  return {
    run: new Counter({
      name: 'b2b_jobs_run_total',
      help: 'Background job attempts that ran to an end (done or failed), by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'b2b_jobs_failed_total',
      help: 'Background job attempts that failed (then retried with backoff, or dead-lettered), by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    dead: new Counter({
      name: 'b2b_jobs_dead_total',
      help: 'Background jobs dead-lettered (out of attempts, or their worker died on the last one), by kind: see /ops/jobs?state=dead.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}
