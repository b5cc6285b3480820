import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { signXSignature } from '../../contracts/signatures/xSignature.js';
import { b2bCommand } from '../../lib/projectPaths.js';
import { assertSchemaName } from '../../pipeline/store/store.js';
import { WEBHOOK_PARTNER } from './pipelineUnderTest.js';

/**
 * `b2b pipeline serve` as a real process (one or a cluster of workers), watched through its JSON
 * log: where it listens, which worker processes it runs, when it exits. For tests that kill
 * processes, which an in-process pipeline cannot show.
 */
export type LogLine = Record<string, unknown>;

export interface ServedPipeline {
  child: ChildProcess;
  /** Where it listens, from its 'pipeline listening' line. */
  url: string;
  /** Every log line so far, parsed (a line that is not JSON becomes `{ msg: line }`). */
  log: LogLine[];
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** The first log line matching, waiting for it until the deadline or the process's exit. */
  until(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** The pids of the workers listening now, as the log tells (with --workers). */
  liveWorkerPids(): number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL should it not exit within `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServeOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Arguments after `pipeline serve`; `--port 0` on loopback is always given. */
  args?: string[];
  readyTimeoutMs?: number;
}

/** Starts the pipeline without waiting for it; `until` then tells what it does. */
export function spawnPipeline(options: ServeOptions): Omit<ServedPipeline, 'url'> {
  const command = b2bCommand();
  const child = spawn(
    command.executable,
    [
      ...command.args,
      'pipeline',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      ...(options.args ?? []),
    ],
    { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: LogLine[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (raw) => {
    try {
      log.push(JSON.parse(raw) as LogLine);
    } catch {
      log.push({ msg: raw });
    }
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      resolve({ code, signal });
      wake();
    }),
  );

  const until: ServedPipeline['until'] = async (predicate, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = log.find(predicate);
      if (found) return found;
      const over = child.exitCode !== null || child.signalCode !== null || Date.now() > deadline;
      if (over) {
        throw new Error(
          `no such log line (${child.exitCode ?? child.signalCode ?? 'still running'}); ` +
            `stderr: ${stderr}\nlog: ${log.map((line) => JSON.stringify(line)).join('\n')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, deadline - Date.now()) + 1);
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  };

  const liveWorkerPids = () => {
    const live = new Set<number>();
    for (const line of log) {
      if (line.msg === 'pipeline worker listening') live.add(Number(line.pid));
      if (
        typeof line.worker === 'number' &&
        /worker (died|replacement exited)/.test(String(line.msg))
      )
        live.delete(line.worker);
    }
    return [...live];
  };

  return {
    child,
    log,
    stderr: () => stderr,
    until,
    liveWorkerPids,
    exited,
    async stop(graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Starts the pipeline and resolves once it says where it listens. */
export async function servePipeline(options: ServeOptions): Promise<ServedPipeline> {
  const served = spawnPipeline(options);
  try {
    const listening = await served.until(
      (line) => line.msg === 'pipeline listening',
      options.readyTimeoutMs,
    );
    return { ...served, url: String(listening.url) };
  } catch (error) {
    served.child.kill('SIGKILL');
    await served.exited;
    throw error;
  }
}

/** Ends a process by pid, ignoring one that is already gone. */
export function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Drops a PostgreSQL schema a spawned pipeline created (DATABASE_SCHEMA). */
export async function dropPostgresSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${assertSchemaName(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/** One order.created event for p_001, signed with X-Signature on the wall clock. */
export interface SignedDelivery {
  eventId: string;
  body: string;
}

export function orderCreatedBody(eventId: string, orderId: string, total: number): string {
  return orderEventBody({
    eventId,
    type: 'order.created',
    orderId,
    total,
    lastModified: new Date(),
  });
}

/** An order event's body as p_001 sends it (its field names), versioned at `lastModified`. */
export function orderEventBody(input: {
  eventId: string;
  type: 'order.created' | 'order.updated' | 'order.cancelled';
  orderId: string;
  total: number;
  lastModified: Date;
}): string {
  const stamp = input.lastModified.toISOString();
  return JSON.stringify({
    event_id: input.eventId,
    type: input.type,
    occurred_at: stamp,
    data: {
      order: {
        OrderNumber: input.orderId,
        TotalGross: input.total,
        CurrencyCode: 'EUR',
        LastModified: stamp,
      },
    },
  });
}

export interface DeliveryAnswer {
  status: number;
  /** `status` of a 200 body: processed or replayed. */
  outcome?: string;
  text: string;
}

/**
 * POSTs a delivery to p_001's inbox, signed now. Rejects when no answer comes (the connection
 * broke: the process serving it died), which a partner would treat as "resend later".
 */
export async function postDelivery(
  url: string,
  secret: string,
  delivery: SignedDelivery,
): Promise<DeliveryAnswer> {
  const response = await fetch(`${url}/webhooks/${WEBHOOK_PARTNER}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signXSignature(secret, Math.floor(Date.now() / 1000), delivery.body),
    },
    body: delivery.body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let outcome: string | undefined;
  try {
    outcome = (JSON.parse(text) as { status?: string }).status;
  } catch {
    outcome = undefined;
  }
  return { status: response.status, outcome, text };
}

/** Runs `work` over `items` with at most `limit` at a time. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
