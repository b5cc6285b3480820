import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * /metrics across `--workers`: every worker keeps its own counters, so a scrape answered by one
 * worker would count only its share. A worker asks the supervisor, which gathers every worker's
 * registry (prom-client's AggregatorRegistry) and answers with the sums. With one process,
 * nothing of this runs.
 */
const REQUEST = 'b2b:metrics-request';
const RESPONSE = 'b2b:metrics-response';

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

/** In a worker: let the supervisor read this registry. */
export function shareWithSupervisor(registry: Registry): void {
  if (!cluster.isWorker) return;
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  AggregatorRegistry.setRegistries([registry]);
}

/** In the supervisor: answer workers' requests with every worker's metrics, aggregated. */
export function serveAggregatedMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text }),
      (error: Error) => worker.send({ type: RESPONSE, id: message.id, error: error.message }),
    );
  });
}

let nextId = 0;

/** The metrics text for a scrape: this process's, or the whole cluster's from a worker. */
export function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error('the supervisor did not answer for /metrics')),
      5_000,
    );
    const onMessage = (message: MetricsMessage) => {
      if (message?.type !== RESPONSE || message.id !== id) return;
      finish(message.error ? new Error(message.error) : undefined, message.text ?? '');
    };
    const finish = (error?: Error, text?: string) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (error) reject(error);
      else resolve(text ?? '');
    };
    process.on('message', onMessage);
    process.send?.({ type: REQUEST, id });
  });
}
