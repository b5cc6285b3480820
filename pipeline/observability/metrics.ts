import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/store.js';
import { shareWithSupervisor } from './clusterMetrics.js';

/**
 * The pipeline's Prometheus metrics. Partner ids label everything a per-partner dashboard needs;
 * a path segment that names no known partner is counted as "unknown" so strangers cannot grow
 * the label set.
 */
export interface PipelineMetrics {
  registry: Registry;
  webhookDeliveries: Counter<'partner_id' | 'outcome' | 'code'>;
  webhookIngestSeconds: Histogram<'partner_id' | 'outcome'>;
  alertsRaised: Counter<'partner_id' | 'kind'>;
  auditSuppressed: Counter<'partner_id'>;
  inboxBatchSize: Histogram;
  inboxFlushSeconds: Histogram;
}

export function createMetrics(store: Store): PipelineMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'b2b_process_' });
  const webhookDeliveries = new Counter({
    name: 'b2b_webhook_deliveries_total',
    help: 'Webhook deliveries received, by partner and outcome (processed, replayed, conflict, refused) and error code.',
    labelNames: ['partner_id', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const webhookIngestSeconds = new Histogram({
    name: 'b2b_webhook_ingest_seconds',
    help: 'Time from request to durable answer for webhook deliveries.',
    labelNames: ['partner_id', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const alertsRaised = new Counter({
    name: 'b2b_alerts_total',
    help: 'Alert occurrences, by partner and kind (grouped into one alert record per partner, kind and window: see /ops/alerts).',
    labelNames: ['partner_id', 'kind'] as const,
    registers: [registry],
  });
  const auditSuppressed = new Counter({
    name: 'b2b_audit_suppressed_total',
    help: 'Unauthenticated refusals over the per-source audit bound: counted (here and in /ops/audit-budget), not audited row by row.',
    labelNames: ['partner_id'] as const,
    registers: [registry],
  });
  const inboxBatchSize = new Histogram({
    name: 'b2b_inbox_batch_size',
    help: 'Deliveries committed together in one inbox transaction (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const inboxFlushSeconds = new Histogram({
    name: 'b2b_inbox_flush_seconds',
    help: 'Duration of one inbox transaction (a group-committed batch), commit included.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  new Gauge({
    name: 'b2b_webhook_inbox_events',
    help: 'Distinct events held in the webhook inbox, by partner.',
    labelNames: ['partner_id'] as const,
    registers: [registry],
    // Every worker reads the same database count; across workers it is one number, not a sum.
    aggregator: 'max',
    async collect() {
      const rows = await store.query<{ partner_id: string; events: number }>(
        'SELECT partner_id, count(*)::bigint AS events FROM webhook_inbox GROUP BY partner_id',
      );
      this.reset();
      for (const row of rows) this.set({ partner_id: row.partner_id }, Number(row.events));
    },
  });
  shareWithSupervisor(registry);
  return {
    registry,
    webhookDeliveries,
    webhookIngestSeconds,
    alertsRaised,
    auditSuppressed,
    inboxBatchSize,
    inboxFlushSeconds,
  };
}
