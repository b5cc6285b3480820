import { randomUUID } from 'node:crypto';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import { createOrderIn } from '../../../pipeline/api/orders/createOrder.js';
import { recordDeliveries } from '../../../pipeline/inbox/recordDeliveries.js';
import type { Sql, Store } from '../../../pipeline/store/store.js';
import { eventDelivery } from '../../support/deliveries.js';
import { orderEvent } from '../../support/pipelineUnderTest.js';

/**
 * A transaction held open on its own connection: work runs in it when asked, and it commits or
 * rolls back when told, so a test decides the order in which writers take their ids and commit.
 * It takes its transaction id at once, so ids follow the order transactions were begun in.
 */
export class HeldTransaction {
  readonly xid: string;
  /** The server process, to see whether it waits for a lock. */
  readonly pid: number;
  readonly #send: (command: Command) => void;
  readonly #ended: Promise<void>;
  #finished = false;

  private constructor(
    xid: string,
    pid: number,
    send: (command: Command) => void,
    ended: Promise<void>,
  ) {
    this.xid = xid;
    this.pid = pid;
    this.#send = send;
    this.#ended = ended;
  }

  static async begin(store: Store): Promise<HeldTransaction> {
    const inbox: Command[] = [];
    let wake: (() => void) | undefined;
    const next = async (): Promise<Command> => {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return inbox.shift() as Command;
    };
    const send = (command: Command) => {
      inbox.push(command);
      wake?.();
    };
    let started!: (facts: { xid: string; pid: number }) => void;
    const facts = new Promise<{ xid: string; pid: number }>((resolve) => (started = resolve));
    const ended = store
      .transaction(async (tx) => {
        const [row] = await tx.query<{ xid: string; pid: number }>(
          'SELECT pg_current_xact_id()::text AS xid, pg_backend_pid() AS pid',
        );
        started(row as { xid: string; pid: number });
        for (;;) {
          const command = await next();
          if (command.kind === 'commit') return;
          if (command.kind === 'rollback') throw ROLLBACK;
          await command.work(tx).then(command.done, command.failed);
        }
      })
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error;
      });
    const { xid, pid } = await facts;
    return new HeldTransaction(xid, pid, send, ended);
  }

  run<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((done, failed) =>
      this.#send({ kind: 'work', work, done: done as (value: unknown) => void, failed }),
    );
  }

  /** Told to commit or roll back already. */
  get finished(): boolean {
    return this.#finished;
  }

  commit(): Promise<void> {
    this.#finished = true;
    this.#send({ kind: 'commit' });
    return this.#ended;
  }

  rollback(): Promise<void> {
    this.#finished = true;
    this.#send({ kind: 'rollback' });
    return this.#ended;
  }
}

type Command =
  | {
      kind: 'work';
      work: (tx: Sql) => Promise<unknown>;
      done: (value: unknown) => void;
      failed: (error: unknown) => void;
    }
  | { kind: 'commit' }
  | { kind: 'rollback' };

const ROLLBACK = new Error('rolled back on purpose');

/** Versions in these tests are minutes after this instant (before the pipeline's clock). */
export const VERSION_BASE_MS = Date.UTC(2026, 0, 10);
export const versionAt = (minute: number) => new Date(VERSION_BASE_MS + minute * 60_000);

export interface WriteResult {
  eventId: string;
  effect: 'applied' | 'superseded';
}

/** An order.created/updated event through the webhook inbox's statement. */
export async function writeByWebhook(
  tx: Sql,
  profile: PartnerProfile,
  change: { partnerId: string; orderId: string; minute: number; eventId?: string; total?: number },
): Promise<WriteResult> {
  const eventId = change.eventId ?? `evt-${randomUUID()}`;
  const event = orderEvent({
    eventId,
    orderId: change.orderId,
    total: change.total ?? 1000,
    lastModified: versionAt(change.minute).toISOString(),
  });
  const [outcome] = await recordDeliveries(tx, [
    eventDelivery(profile, event, { partnerId: change.partnerId }),
  ]);
  if (outcome?.outcome !== 'processed')
    throw new Error(`not processed: ${JSON.stringify(outcome)}`);
  return { eventId, effect: outcome.effect };
}

/** An order through POST /v1/orders' statement, at version time `minute`. */
export async function writeByApi(
  tx: Sql,
  change: { partnerId: string; orderId: string; minute: number; total?: number },
): Promise<WriteResult> {
  const answer = await createOrderIn(tx, {
    partnerId: change.partnerId,
    idempotencyKey: randomUUID(),
    requestSha256: randomUUID(),
    correlationId: randomUUID(),
    now: versionAt(change.minute),
    order: {
      orderId: change.orderId,
      totalAmount: change.total ?? 1000,
      currency: 'EUR',
      attributes: {},
    },
  });
  if (answer.kind !== 'answer') throw new Error('a fresh key was taken as reused');
  const receipt = JSON.parse(answer.body) as {
    effect: 'applied' | 'superseded';
    order: { event_id: string };
  };
  // Applied: the order's event is ours. Superseded: the order shows the newer one, ours is unseen.
  return {
    eventId: receipt.effect === 'applied' ? receipt.order.event_id : '',
    effect: receipt.effect,
  };
}

/**
 * Until every transaction up to `xid` has ended for this server: the feed shows a change only
 * then, and other sessions on the server (other test files) may hold an older transaction open
 * for a moment. Asks the server again each turn of the event loop; never sleeps.
 */
export async function untilFeedHorizonPasses(store: Store, xid: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [row] = await store.query<{ passed: boolean }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS passed',
      [xid],
    );
    if (row?.passed) return;
    if (Date.now() > deadline) {
      const holders = await store.query(
        `SELECT pid, backend_xid::text AS xid, datname, application_name, state, now() - xact_start AS open_for, left(query, 80) AS query
           FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY xact_start LIMIT 3`,
      );
      throw new Error(
        `transactions up to ${xid} still open after 30 s: ${JSON.stringify(holders)}`,
      );
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The cursor the feed must not be: "every row with a sequence number above the last one seen". */
export async function readBySequence(
  store: Store,
  partnerId: string,
  afterSeq: number,
): Promise<{ seq: number; order_id: string }[]> {
  const rows = await store.query<{ seq: number | string; order_id: string }>(
    'SELECT seq, order_id FROM order_changes WHERE partner_id = $1 AND seq > $2 ORDER BY seq',
    [partnerId, afterSeq],
  );
  return rows.map((row) => ({ seq: Number(row.seq), order_id: row.order_id }));
}

/** Whether the server process `pid` is waiting for a lock. */
export async function waitsForLock(store: Store, pid: number): Promise<boolean> {
  const [row] = await store.query<{ waiting: boolean }>(
    `SELECT coalesce(bool_or(wait_event_type = 'Lock'), false) AS waiting
       FROM pg_stat_activity WHERE pid = $1`,
    [pid],
  );
  return row?.waiting ?? false;
}
