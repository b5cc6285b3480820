import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrderPuller } from '../../../simulators/api/orderPuller.js';
import { acmeOrder, startApiPartnerWorld, type ApiPartnerWorld } from './apiPartnerSupport.js';

describe('OrderPuller against the real pipeline', () => {
  let world: ApiPartnerWorld;
  beforeAll(async () => {
    world = await startApiPartnerWorld({ name: 'pglite' });
  });
  afterAll(() => world.close());
  beforeEach(() => world.sut.clock.advance(1000));

  it('reads every page, following next_cursor while has_more, then stops with the cursor to keep', async () => {
    const client = world.client();
    const since = new Date(world.sut.clock.now()).toISOString();
    const ids = Array.from({ length: 7 }, (_, index) => `P-all-${index}`);
    for (const id of ids) await client.createOrder(acmeOrder(id));

    const pull = await new OrderPuller(client).pull({ changedSince: since, limit: 3 });
    expect(pull.stoppedBecause).toBe('drained');
    expect(pull.pages.map((page) => [page.items.length, page.has_more])).toEqual([
      [3, true],
      [3, true],
      [1, false],
    ]);
    expect(pull.items.map((order) => order.order_id)).toEqual(ids);
    expect(pull.cursor).toBe(pull.pages.at(-1)?.next_cursor);
    // changed_since goes on the first request only; the cursor carries it afterwards.
    const urls = pull.exchanges
      .filter((exchange) => exchange.operation === 'exportOrders')
      .map((exchange) => new URL(exchange.entry.request.url).searchParams);
    expect(urls.map((query) => query.has('changed_since'))).toEqual([true, false, false]);
    expect(urls.map((query) => query.has('cursor'))).toEqual([false, true, true]);
    for (const exchange of pull.exchanges) expect(exchange.contractProblems).toEqual([]);

    // Kept for next time: a later pull from that cursor sees only what came since.
    await client.createOrder(acmeOrder('P-all-later'));
    const later = await new OrderPuller(client).pull({ cursor: pull.cursor, limit: 3 });
    expect(later.items.map((order) => order.order_id)).toEqual(['P-all-later']);
  });

  it('polls a drained feed until told it may stop, picking up what was written meanwhile', async () => {
    const writer = world.client();
    const since = new Date(world.sut.clock.now()).toISOString();
    await writer.createOrder(acmeOrder('P-poll-0'));
    let polls = 0;
    const reader = world.client({
      sleeper: {
        // While the partner waits between polls, another of its systems writes an order.
        async sleep(ms) {
          world.sut.clock.advance(ms);
          polls += 1;
          await writer.createOrder(acmeOrder(`P-poll-${polls}`));
        },
      },
    });
    const pull = await new OrderPuller(reader).pull({
      changedSince: since,
      pollIntervalMs: 5_000,
      stopWhen: () => polls >= 2,
      limit: 10,
    });
    expect(pull.stoppedBecause).toBe('drained');
    expect(polls).toBe(2);
    expect(pull.pages.map((page) => page.items.map((order) => order.order_id))).toEqual([
      ['P-poll-0'],
      ['P-poll-1'],
      ['P-poll-2'],
    ]);
  });

  it('gives up after maxPages on a feed it is never allowed to leave', async () => {
    const pull = await new OrderPuller(world.client()).pull({
      stopWhen: () => false,
      pollIntervalMs: 1_000,
      maxPages: 3,
    });
    expect(pull.stoppedBecause).toBe('maxPages');
    expect(pull.pages).toHaveLength(3);
  });
});
