import cluster, { type Worker } from 'node:cluster';
import { RunError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { serveAggregatedMetrics } from './observability/clusterMetrics.js';

/**
 * The scale-out path: several stateless pipeline processes behind one port, sharing one
 * PostgreSQL (inbox claims and order locks are all in the database, so workers need no other
 * coordination). Each worker has its own event loop, so a database round trip never waits behind
 * another worker's burst of HTTP work. The primary only supervises: it forks, replaces a worker
 * that dies after it started, forwards SIGTERM, and says where the pipeline listens once every
 * worker does. A worker that dies before listening stops the whole pipeline: it would not start
 * the next time either, and a restart loop hides the reason.
 */
export async function superviseWorkers(count: number, logger: Logger): Promise<void> {
  const listening = new Set<number>();
  const started = new Set<number>();
  let stopping = false;
  let announced = false;

  await new Promise<void>((resolve, reject) => {
    const stop = (signal: NodeJS.Signals, failure?: Error) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'pipeline stopping');
      const finish = () => (failure ? reject(failure) : resolve());
      const workers = Object.values(cluster.workers ?? {}).filter(
        (worker): worker is Worker => worker !== undefined && !worker.isDead(),
      );
      if (workers.length === 0) return finish();
      let remaining = workers.length;
      for (const worker of workers) {
        worker.once('exit', () => {
          remaining -= 1;
          if (remaining === 0) finish();
        });
        worker.process.kill('SIGTERM');
      }
    };

    cluster.on('listening', (worker, address) => {
      listening.add(worker.id);
      started.add(worker.id);
      if (!announced && listening.size === count) {
        announced = true;
        const host = address.addressType === 6 ? `[${address.address}]` : address.address;
        logger.info(
          { url: `http://${host}:${address.port}`, engine: 'postgres', workers: count },
          'pipeline listening',
        );
      }
    });
    cluster.on('exit', (worker: Worker, code, signal) => {
      listening.delete(worker.id);
      if (stopping) return;
      if (!started.has(worker.id)) {
        stop(
          'SIGTERM',
          new RunError(`a pipeline worker exited before listening (${code ?? signal})`),
        );
        return;
      }
      logger.error(
        { worker: worker.process.pid, code, signal },
        'pipeline worker died; starting another',
      );
      cluster.fork();
    });
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    serveAggregatedMetrics();
    for (let index = 0; index < count; index++) cluster.fork();
  });
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}
