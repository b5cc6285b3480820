import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiOrder } from '../../../contracts/api/partnerApi.js';
import { seededRandom } from '../../../lib/seededRandom.js';
import { OrderPuller } from '../../../simulators/api/orderPuller.js';
import {
  OrderWriter,
  orderChurn,
  type WrittenChange,
} from '../../../simulators/api/orderWriter.js';
import { WebhookSender } from '../../../simulators/webhook/webhookSender.js';
import { ENGINES } from '../../support/stores.js';
import {
  ACME,
  RUN_ID,
  acmeOrder,
  startApiPartnerWorld,
  type ApiPartnerWorld,
} from './apiPartnerSupport.js';

function versionKey(
  order: { order_id?: string; updated_at: string; event_id: string },
  orderId?: string,
) {
  return `${orderId ?? order.order_id} ${order.updated_at} ${order.event_id}`;
}

describe.each(ENGINES)('OrderWriter beside an OrderPuller (B-001) on $name', (engine) => {
  let world: ApiPartnerWorld;
  let sender: WebhookSender;
  beforeAll(async () => {
    world = await startApiPartnerWorld(engine);
    sender = new WebhookSender({
      runId: RUN_ID,
      partnerId: ACME,
      target: `${world.sut.url}/webhooks/${ACME}`,
      secret: world.sut.secret,
      windowS: 600,
      clock: world.sut.clock,
      random: seededRandom(5),
      journal: world.journal,
    });
  });
  afterAll(async () => {
    await sender.close();
    await world.close();
  });

  function writer(): OrderWriter {
    return new OrderWriter({
      client: world.client(),
      webhooks: { sender, profile: world.profile },
      clock: world.sut.clock,
      correlationPrefix: `${RUN_ID}.B-001.writer`,
    });
  }

  it('records what each write did: applied, superseded, replayed or refused, with its version', async () => {
    const churn = writer();
    const [created, replayed, refused] = await churn.write(
      [
        { via: 'api', order: acmeOrder('W-1', 500), idempotencyKey: 'W-1-key' },
        { via: 'api', order: acmeOrder('W-1', 500), idempotencyKey: 'W-1-key' },
        { via: 'api', order: acmeOrder('W-2', 0) },
      ],
      { concurrency: 1 },
    );
    expect(created).toMatchObject({ via: 'api', orderId: 'W-1', effect: 'applied', status: 201 });
    expect(created?.version?.eventId).toMatch(/^api\./);
    expect(replayed).toMatchObject({ effect: 'replayed', status: 201 });
    // p_001's own rule: TotalGross (total_amount here) at least 1.
    expect(refused).toMatchObject({ effect: 'refused', status: 422 });
    expect(churn.applied()).toEqual([created]);

    world.sut.clock.advance(1000);
    const [event, stale] = await churn.write(
      [
        {
          via: 'webhook',
          eventId: 'W-3-b',
          type: 'order.created',
          orderId: 'W-3',
          totalAmount: 700,
          currency: 'EUR',
        },
        {
          via: 'webhook',
          eventId: 'W-3-a',
          type: 'order.updated',
          orderId: 'W-3',
          totalAmount: 600,
          currency: 'EUR',
        },
      ],
      { concurrency: 1 },
    );
    // Same instant, so the event id decides: "W-3-a" sorts before "W-3-b" and loses.
    expect(event).toMatchObject({ via: 'webhook', effect: 'applied', status: 200 });
    expect(event?.version).toEqual({
      updatedAt: new Date(world.sut.clock.now()).toISOString(),
      eventId: 'W-3-b',
    });
    expect(stale).toMatchObject({ effect: 'superseded', status: 200 });
  });

  it('while a puller pages through, every applied version is read exactly once, and nothing else', async () => {
    world.sut.clock.advance(1000); // after the orders of the test before
    const since = new Date(world.sut.clock.now()).toISOString();
    const churn = writer();
    const script = orderChurn({
      prefix: `${RUN_ID}-b001`,
      orders: 6,
      changesPerOrder: 3,
      webhookEvery: 3,
      random: seededRandom(42),
    });
    const writing = churn.write(script, { concurrency: 4 });
    const read: ApiOrder[] = [];
    let pages = 0;
    let stoppedDrained = false;
    for await (const pulled of new OrderPuller(world.client()).pages({
      changedSince: since,
      limit: 4,
      pollIntervalMs: 100,
      // Not just has_more: false once the writer is done; on PostgreSQL a transaction anywhere in
      // the cluster (another suite's) can hold a committed change back for a while.
      stopWhen: () => churn.idle && churn.unread(read).length === 0,
      maxPages: 5_000,
    })) {
      expect(pulled.outcome.answer.status).toBe(200);
      read.push(...(pulled.outcome.value?.items ?? []));
      pages += 1;
      stoppedDrained = pulled.final;
    }
    const written = await writing;

    expect(written).toHaveLength(script.length);
    expect(written.filter((change) => change.effect === 'refused')).toEqual([]);
    expect(written.some((change) => change.via === 'webhook')).toBe(true);
    expect(stoppedDrained).toBe(true);
    expect(pages).toBeGreaterThan(1);
    expect(churn.unread(read)).toEqual([]);

    const counts = new Map<string, number>();
    for (const order of read)
      counts.set(versionKey(order), (counts.get(versionKey(order)) ?? 0) + 1);
    const applied = churn
      .applied()
      .map((change: WrittenChange) =>
        versionKey(
          { updated_at: change.version?.updatedAt ?? '', event_id: change.version?.eventId ?? '' },
          change.orderId,
        ),
      );
    for (const version of applied) expect(counts.get(version), version).toBe(1);
    expect(read).toHaveLength(applied.length);

    // One order's changes read in version order, ending on its final state.
    const byOrder = new Map<string, ApiOrder[]>();
    for (const order of read)
      byOrder.set(order.order_id, [...(byOrder.get(order.order_id) ?? []), order]);
    expect(byOrder.size).toBe(6);
    for (const changes of byOrder.values()) {
      const versions = changes.map((order) => `${order.updated_at} ${order.event_id}`);
      expect(versions).toEqual([...versions].sort());
    }
  });
});
