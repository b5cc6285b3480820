import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * /metrics across `--workers`: every worker keeps its own counters, so a scrape answered by one
 * worker would count only its share. The worker that got the scrape asks the supervisor, which
 * asks every worker for its registry and answers with the sums (prom-client's aggregators).
 * With one process, nothing of this runs.
 *
 * Workers die at any moment (killed, out of memory, a bug), also while a scrape waits on them.
 * So the supervisor asks only workers that said they share, gives each a short time to answer,
 * and leaves out the share of one that dies or stays silent: the scrape still answers, with what
 * the live workers report (a dead worker's counters are gone with it, which Prometheus reads as a
 * counter reset). Every send goes through `sendQuietly`, because sending to a worker whose channel
 * just closed raises ERR_IPC_CHANNEL_CLOSED, which would otherwise take the supervisor down.
 */
const SCRAPE_REQUEST = 'b2b:metrics-request';
const SCRAPE_ANSWER = 'b2b:metrics-response';
const SHARING = 'b2b:metrics-sharing';
const SHARE_REQUEST = 'b2b:metrics-share-request';
const SHARE_ANSWER = 'b2b:metrics-share';

/** How long the supervisor waits for one worker's share before leaving it out. */
const SHARE_TIMEOUT_MS = 2_000;
/** How long a worker waits for the supervisor's sums; longer than a share, so it never fires first. */
const SCRAPE_TIMEOUT_MS = 5_000;

type MetricsShare = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  metrics?: MetricsShare;
  error?: string;
}

function isMetricsMessage(message: unknown): message is MetricsMessage {
  return typeof message === 'object' && message !== null && 'type' in message;
}

/** Sends over a channel that may have closed since we last looked; a closed one is not an error. */
function sendQuietly(channel: Worker | NodeJS.Process, message: MetricsMessage | { type: string }) {
  const connected = 'isConnected' in channel ? channel.isConnected() : channel.connected;
  if (!connected) return;
  channel.send?.(message, undefined, undefined, () => {});
}

let sharedRegistry: Registry | undefined;

/** In a worker: let the supervisor read this registry. */
export function shareWithSupervisor(registry: Registry): void {
  if (!cluster.isWorker) return;
  const first = sharedRegistry === undefined;
  sharedRegistry = registry;
  if (!first) return;
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message) || message.type !== SHARE_REQUEST) return;
    (sharedRegistry as Registry).getMetricsAsJSON().then(
      (metrics) => sendQuietly(process, { type: SHARE_ANSWER, id: message.id, metrics }),
      (error: Error) =>
        sendQuietly(process, { type: SHARE_ANSWER, id: message.id, error: error.message }),
    );
  });
  sendQuietly(process, { type: SHARING });
}

/** In the supervisor: answer workers' scrapes with what every live worker reports, summed. */
export function serveAggregatedMetrics(): void {
  const sharing = new Map<number, Worker>();
  /** Per worker, the gathers waiting on its share. */
  const waiting = new Map<number, Map<number, (share: MetricsShare | Error | undefined) => void>>();
  let lastGather = 0;

  const gone = (worker: Worker) => {
    sharing.delete(worker.id);
    const pending = waiting.get(worker.id);
    waiting.delete(worker.id);
    for (const settle of pending?.values() ?? []) settle(undefined);
  };
  cluster.on('disconnect', gone);
  cluster.on('exit', gone);

  const askForShare = (worker: Worker, gather: number) =>
    new Promise<MetricsShare | Error | undefined>((resolve) => {
      const pending = waiting.get(worker.id) ?? new Map();
      waiting.set(worker.id, pending);
      const timer = setTimeout(() => settle(undefined), SHARE_TIMEOUT_MS);
      const settle = (share: MetricsShare | Error | undefined) => {
        clearTimeout(timer);
        pending.delete(gather);
        resolve(share);
      };
      pending.set(gather, settle);
      if (!worker.isConnected()) return settle(undefined);
      worker.send({ type: SHARE_REQUEST, id: gather }, undefined, undefined, (error) => {
        if (error) settle(undefined);
      });
    });

  const gather = async (): Promise<string> => {
    const id = ++lastGather;
    const shares = await Promise.all([...sharing.values()].map((one) => askForShare(one, id)));
    // A worker that answered with an error (its store is down, say) fails the scrape, as it
    // would with one process; only a worker that is gone or silent is left out.
    const failed = shares.find((share): share is Error => share instanceof Error);
    if (failed) throw failed;
    const answered = shares.filter((share): share is MetricsShare => Array.isArray(share));
    return AggregatorRegistry.aggregate(answered).metrics();
  };

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMetricsMessage(message)) return;
    switch (message.type) {
      case SHARING:
        if (worker.isConnected()) sharing.set(worker.id, worker);
        return;
      case SHARE_ANSWER:
        waiting.get(worker.id)?.get(message.id)?.(
          message.error !== undefined ? new Error(message.error) : (message.metrics ?? []),
        );
        return;
      case SCRAPE_REQUEST:
        gather().then(
          (text) => sendQuietly(worker, { type: SCRAPE_ANSWER, id: message.id, text }),
          (error: Error) =>
            sendQuietly(worker, { type: SCRAPE_ANSWER, id: message.id, error: error.message }),
        );
        return;
    }
  });
}

/** In a worker: the scrapes waiting for the supervisor's sums, by request id. */
const scrapes = new Map<number, (answer: MetricsMessage) => void>();
let nextId = 0;

/** The metrics text for a scrape: this process's, or the whole cluster's from a worker. */
export function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  if (nextId === 0) {
    // One listener for every scrape, however many are in flight.
    process.on('message', (message: unknown) => {
      if (isMetricsMessage(message) && message.type === SCRAPE_ANSWER)
        scrapes.get(message.id)?.(message);
    });
  }
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        finish({ type: SCRAPE_ANSWER, id, error: 'the supervisor did not answer for /metrics' }),
      SCRAPE_TIMEOUT_MS,
    );
    const finish = (answer: MetricsMessage) => {
      clearTimeout(timer);
      scrapes.delete(id);
      if (answer.error !== undefined) reject(new Error(answer.error));
      else resolve(answer.text ?? '');
    };
    scrapes.set(id, finish);
    if (!process.connected) {
      finish({ type: SCRAPE_ANSWER, id, error: 'the supervisor is gone' });
      return;
    }
    process.send?.({ type: SCRAPE_REQUEST, id }, undefined, undefined, (error: Error | null) => {
      if (error)
        finish({ type: SCRAPE_ANSWER, id, error: `the supervisor is gone: ${error.message}` });
    });
  });
}
