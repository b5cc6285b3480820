import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { errorMessage, RunError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { serveAggregatedMetrics } from './observability/clusterMetrics.js';

/**
 * The scale-out path: several stateless pipeline processes behind one port, sharing one
 * PostgreSQL (inbox claims and order locks are all in the database, so workers need no other
 * coordination). Each worker has its own event loop, so a database round trip never waits behind
 * another worker's burst of HTTP work. The primary only supervises: it forks, replaces workers
 * that die, forwards SIGTERM, and says where the pipeline listens once every worker does.
 *
 * A worker may die at any moment (killed, out of memory, a bug); the supervisor must outlive
 * that, whatever it was doing with the worker. What follows depends on whether the worker had
 * listened:
 * - it had: it is replaced at once. Its in-flight deliveries get no answer, and the partner
 *   resends them; the inbox absorbs the duplicates.
 * - it had not, and the pipeline never finished starting: the whole pipeline stops with the
 *   worker's reason. It would not start the next time either, and a restart loop hides why.
 * - it had not, but it was a replacement: something changed since the pipeline started (a
 *   partner profile, the database), perhaps only for a moment. It is tried again after a growing
 *   pause, and after MAX_START_FAILURES_IN_A_ROW such failures the pipeline stops with the reason.
 */
const MAX_START_FAILURES_IN_A_ROW = 4;
/** Pause before the next replacement after `failures` in a row: 250 ms, 500 ms, 1 s, … */
const restartPauseMs = (failures: number) => Math.min(250 * 2 ** (failures - 1), 4_000);
/** How long workers may take to drain and exit on SIGTERM before they are killed. */
const STOP_GRACE_MS = 30_000;
/** How long a worker that reported a failed start may take to exit by itself. */
const FAILED_START_EXIT_MS = 5_000;

const START_FAILED = 'b2b:worker-start-failed';

export interface WorkersAddress {
  host: string;
  /** 0 picks a free port, the same for every worker and every replacement. */
  port: number;
}

export async function superviseWorkers(
  count: number,
  logger: Logger,
  address: WorkersAddress,
): Promise<void> {
  await fixWorkersPort(address);
  const live = new Map<number, Worker>();
  /** Workers listening now: the pipeline is announced once all `count` are. */
  const listening = new Set<number>();
  /** Workers that listened at least once: their death is a crash, not a failed start. */
  const listened = new Set<number>();
  /** Why a worker could not start, as it reported before exiting. */
  const startFailures = new Map<number, string>();
  let announced = false;
  let failuresInARow = 0;
  let nextFork: NodeJS.Timeout | undefined;
  let stopping = false;

  await new Promise<void>((resolve, reject) => {
    let finish = () => {};

    const fork = () => {
      const worker = cluster.fork();
      live.set(worker.id, worker);
      // A send to a worker whose channel just closed emits 'error' on it; unheard, that error
      // would be thrown in the supervisor. The 'exit' that follows is what we act on.
      worker.on('error', (error: Error) =>
        logger.warn({ worker: worker.process.pid, err: error }, 'pipeline worker channel error'),
      );
    };

    const stop = (cause: { signal: NodeJS.Signals } | { failure: RunError }) => {
      if (stopping) return;
      stopping = true;
      clearTimeout(nextFork);
      if ('signal' in cause) logger.info({ signal: cause.signal }, 'pipeline stopping');
      else logger.error({ reason: cause.failure.message }, 'pipeline stopping');
      const grace = setTimeout(() => {
        for (const worker of live.values()) worker.process.kill('SIGKILL');
      }, STOP_GRACE_MS);
      finish = () => {
        if (live.size > 0) return;
        clearTimeout(grace);
        if ('failure' in cause) reject(cause.failure);
        else resolve();
      };
      for (const worker of live.values()) worker.process.kill('SIGTERM');
      finish();
    };

    cluster.on('message', (worker: Worker, message: unknown) => {
      if (!isStartFailure(message)) return;
      startFailures.set(worker.id, message.reason);
      // It lets go and exits by itself; should something it opened keep it alive, end it.
      setTimeout(() => {
        if (!worker.isDead()) worker.process.kill('SIGKILL');
      }, FAILED_START_EXIT_MS).unref();
    });

    cluster.on('listening', (worker, address) => {
      listening.add(worker.id);
      listened.add(worker.id);
      if (announced) {
        failuresInARow = 0;
        logger.info({ worker: worker.process.pid }, 'pipeline worker replaced');
        return;
      }
      if (listening.size === count) {
        announced = true;
        const host = address.addressType === 6 ? `[${address.address}]` : address.address;
        logger.info(
          { url: `http://${host}:${address.port}`, engine: 'postgres', workers: count },
          'pipeline listening',
        );
      }
    });

    cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
      live.delete(worker.id);
      listening.delete(worker.id);
      const reported = startFailures.get(worker.id);
      startFailures.delete(worker.id);
      if (stopping) return finish();
      const pid = worker.process.pid;
      if (listened.has(worker.id)) {
        logger.error({ worker: pid, code, signal }, 'pipeline worker died; starting another');
        fork();
        return;
      }
      const why = `(${signal ? `signal ${signal}` : `exit code ${code}`})${reported ? `: ${reported}` : ''}`;
      if (!announced) {
        stop({ failure: new RunError(`a pipeline worker exited before listening ${why}`) });
        return;
      }
      failuresInARow += 1;
      if (failuresInARow >= MAX_START_FAILURES_IN_A_ROW) {
        stop({
          failure: new RunError(
            `pipeline workers cannot be restarted: ${failuresInARow} replacements in a row exited before listening; the last ${why}`,
          ),
        });
        return;
      }
      const pauseMs = restartPauseMs(failuresInARow);
      logger.error(
        { worker: pid, code, signal, reason: reported, failuresInARow, pauseMs },
        'pipeline worker replacement exited before listening; trying again',
      );
      nextFork = setTimeout(() => {
        nextFork = undefined;
        if (!stopping) fork();
      }, pauseMs);
    });

    process.once('SIGTERM', () => stop({ signal: 'SIGTERM' }));
    process.once('SIGINT', () => stop({ signal: 'SIGINT' }));
    serveAggregatedMetrics();
    for (let index = 0; index < count; index++) fork();
  });
}

/**
 * Workers share a port through the supervisor, which holds it only while some worker listens.
 * Asked for port 0, each would share "a free port" for as long as one of them lives, but should
 * they all die at once, their replacements would get a new free port and the pipeline would move.
 * So port 0 is resolved here, once, and every worker is told the port itself. (Between the probe
 * and the first worker's listen another process could take it; the pipeline would then stop with
 * EADDRINUSE, which says what happened.)
 */
async function fixWorkersPort(address: WorkersAddress): Promise<void> {
  if (address.port !== 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, address.host, () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // The workers run the same command line; a later --port overrides the earlier one.
  cluster.setupPrimary({ args: [...process.argv.slice(2), '--port', String(port)] });
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * A step of a worker's start (reading profiles, opening the store, listening). Should it fail,
 * the worker tells the supervisor why, so the supervisor's own error names the reason, and lets
 * go of its channel to the supervisor, which would otherwise keep the failed worker alive
 * forever. The error is rethrown: the CLI prints it and sets the exit code as in one process.
 * Outside a cluster worker, the step as it is.
 */
export async function workerStartStep<T>(step: Promise<T>): Promise<T> {
  if (!cluster.isWorker) return step;
  try {
    return await step;
  } catch (error) {
    if (process.connected) {
      process.send?.(
        { type: START_FAILED, reason: errorMessage(error) || String(error) },
        undefined,
        undefined,
        () => {},
      );
      // disconnect() (not process.disconnect()) marks the exit as intended, so Node lets the
      // worker end with the CLI's exit code instead of forcing 0.
      cluster.worker?.disconnect();
    }
    throw error;
  }
}

function isStartFailure(message: unknown): message is { type: string; reason: string } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === START_FAILED &&
    typeof (message as { reason?: unknown }).reason === 'string'
  );
}
