import express from 'express';
import { isMigrated } from '../store/migrate.js';
import type { Store } from '../store/store.js';
import { metricsText } from '../observability/clusterMetrics.js';
import type { PipelineMetrics } from '../observability/metrics.js';

/**
 * `/healthz`: the process answers. `/readyz`: it can do its job (store reachable, schema current).
 * `/metrics`: Prometheus text.
 */
export function healthRouter(store: Store, metrics: PipelineMetrics): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await store.query('SELECT 1');
      checks.store = 'ok';
      checks.migrations = (await isMigrated(store)) ? 'ok' : 'pending';
    } catch (error) {
      checks.store = `unreachable: ${(error as Error).message}`;
    }
    const ready = Object.values(checks).every((value) => value === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', engine: store.engine, checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metricsText(metrics.registry));
  });
  return router;
}
