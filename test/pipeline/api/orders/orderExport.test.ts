import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEvent, uniqueId } from '../../../support/pipelineUnderTest.js';
import { ENGINES } from '../../../support/stores.js';
import {
  errorCode,
  OTHER_PARTNER,
  readWholeExport,
  startOrdersApi,
  type ExportPage,
  type OrdersApi,
} from './ordersApiSupport.js';

/**
 * GET /v1/orders as a partner pulls it: every change once, page by page, in one feed for orders
 * from webhooks and from POST /v1/orders, filtered by changed_since, with a cursor nobody can
 * forge. (That the cursor holds under concurrent, out-of-order commits is proven on PostgreSQL in
 * test/pipeline/orders/.) Every answer is checked against the OpenAPI document by the helper.
 */
describe.each(ENGINES)('GET /v1/orders on $name', (engine) => {
  let api: OrdersApi;

  beforeAll(async () => {
    api = await startOrdersApi(engine);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A cursor at the end of the feed as it is now, so a test sees only its own changes. */
  const endOfFeed = async (query = '') => (await readWholeExport(api, query)).cursor;
  const page = async (path: string) => {
    const answer = await api.get(path);
    expect(answer.status, answer.text).toBe(200);
    return answer.json as ExportPage;
  };
  const afterCursor = (cursor: string, extra = '') =>
    `/v1/orders?cursor=${encodeURIComponent(cursor)}${extra}`;

  it('shows every change once, page by page: webhook orders and API orders in one feed', async () => {
    const start = await endOfFeed();
    const [a, b, c] = [uniqueId('ORD-A'), uniqueId('ORD-B'), uniqueId('ORD-C')];
    const stamp = new Date(api.sut.clock.now() - 60_000).toISOString();
    const later = new Date(api.sut.clock.now() - 30_000).toISOString();
    const createdA = orderEvent({
      eventId: uniqueId('evt'),
      orderId: a,
      total: 1250,
      lastModified: stamp,
    });
    const createdB = orderEvent({
      eventId: uniqueId('evt'),
      orderId: b,
      total: 990,
      currency: 'JPY',
      lastModified: stamp,
    });
    const updatedA = orderEvent({
      eventId: uniqueId('evt'),
      type: 'order.cancelled',
      orderId: a,
      total: 1250,
      lastModified: later,
    });
    for (const event of [createdA, createdB, updatedA])
      expect((await api.sut.deliver(event)).status).toBe(200);
    const posted = await api.createOrder(
      { order_id: c, total_amount: 4599, currency: 'EUR', buyer_email: 'buyer@example.com' },
      uniqueId('key'),
    );
    expect(posted.status, posted.text).toBe(201);
    const postedEventId = (posted.json as { order: { event_id: string } }).order.event_id;

    const pages: ExportPage[] = [];
    let cursor = start;
    for (;;) {
      const next = await page(afterCursor(cursor, '&limit=2'));
      pages.push(next);
      cursor = next.next_cursor;
      if (!next.has_more) break;
    }
    expect(pages.map((one) => one.items.length)).toEqual([2, 2]);
    expect(pages.flatMap((one) => one.items)).toEqual([
      {
        order_id: a,
        status: 'open',
        total_amount: 1250,
        currency: 'EUR',
        updated_at: stamp,
        event_id: createdA.event_id,
      },
      {
        order_id: b,
        status: 'open',
        total_amount: 990,
        currency: 'JPY',
        updated_at: stamp,
        event_id: createdB.event_id,
      },
      {
        order_id: a,
        status: 'cancelled',
        total_amount: 1250,
        currency: 'EUR',
        updated_at: later,
        event_id: updatedA.event_id,
      },
      {
        order_id: c,
        status: 'open',
        total_amount: 4599,
        currency: 'EUR',
        buyer_email: 'buyer@example.com',
        updated_at: new Date(api.sut.clock.now()).toISOString(),
        event_id: postedEventId,
      },
    ]);

    // Caught up: the last cursor gives nothing until something changes, then only that.
    expect(await page(afterCursor(cursor))).toMatchObject({ items: [], has_more: false });
    const again = await page(afterCursor(cursor));
    const d = uniqueId('ORD-D');
    expect(
      (await api.createOrder({ order_id: d, total_amount: 100, currency: 'EUR' }, uniqueId('key')))
        .status,
    ).toBe(201);
    expect((await page(afterCursor(again.next_cursor))).items.map((item) => item.order_id)).toEqual(
      [d],
    );
  });

  it('does not show a redelivered or superseded event as a change', async () => {
    const start = await endOfFeed();
    const orderId = uniqueId('ORD');
    const newer = orderEvent({
      eventId: uniqueId('evt'),
      orderId,
      lastModified: '2026-01-15T11:00:00.000Z',
    });
    const older = orderEvent({
      eventId: uniqueId('evt'),
      orderId,
      total: 1,
      lastModified: '2026-01-15T10:00:00.000Z',
    });
    for (const event of [newer, newer, older])
      expect((await api.sut.deliver(event)).status).toBe(200);

    const items = (await page(afterCursor(start))).items;
    expect(items.map((item) => item.event_id)).toEqual([newer.event_id]);
  });

  it('filters by changed_since on the version time, and the cursor keeps the filter', async () => {
    const since = '2026-01-15T11:30:00Z';
    const before = uniqueId('ORD-before');
    const at = uniqueId('ORD-at');
    const after = uniqueId('ORD-after');
    for (const [orderId, lastModified] of [
      [before, '2026-01-15T11:29:59.999Z'],
      [at, '2026-01-15T11:30:00.000Z'],
      [after, '2026-01-15T11:45:00.000Z'],
    ] as const)
      expect(
        (await api.sut.deliver(orderEvent({ eventId: uniqueId('evt'), orderId, lastModified })))
          .status,
      ).toBe(200);

    const { items, pages } = await readWholeExport(api, `changed_since=${since}&limit=1`);
    const ours = items
      .map((item) => item.order_id)
      .filter((id) => [before, at, after].includes(id));
    expect(ours).toEqual([at, after]);
    expect(items.every((item) => item.updated_at >= '2026-01-15T11:30:00.000Z')).toBe(true);
    expect(pages.length).toBeGreaterThan(1);

    // Repeating the same changed_since beside the cursor is fine (any spelling of the instant) …
    const cursor = pages[0]?.next_cursor as string;
    expect(
      (await api.get(afterCursor(cursor, '&changed_since=2026-01-15T11:30:00.000Z'))).status,
    ).toBe(200);
    // … another one would silently change the question: refused.
    const other = await api.get(afterCursor(cursor, '&changed_since=2026-01-15T00:00:00Z'));
    expect([other.status, errorCode(other)]).toEqual([400, 'invalid_cursor']);
  });

  it('pages by limit up to 500 and refuses anything else with invalid_parameter', async () => {
    expect((await api.get('/v1/orders?limit=500')).status).toBe(200);
    for (const bad of [
      'limit=501',
      'limit=0',
      'limit=-1',
      'limit=1.5',
      'limit=ten',
      'limit=1&limit=2',
    ]) {
      const answer = await api.get(`/v1/orders?${bad}`);
      expect([answer.status, errorCode(answer)], bad).toEqual([400, 'invalid_parameter']);
      expect(answer.json).toMatchObject({ error: { details: [{ field: 'limit' }] } });
    }
  });

  it('refuses a changed_since that is not a real UTC time with Z', async () => {
    for (const bad of [
      '2026-01-15T12:00:00',
      '2026-01-15T12:00:00+01:00',
      '2026-02-30T00:00:00Z',
      'yesterday',
    ]) {
      const answer = await api.get(`/v1/orders?changed_since=${encodeURIComponent(bad)}`);
      expect([answer.status, errorCode(answer)], bad).toEqual([400, 'invalid_parameter']);
    }
  });

  it('refuses a tampered, made-up or foreign cursor with invalid_cursor', async () => {
    await api.createOrder(
      { order_id: uniqueId('ORD'), total_amount: 100, currency: 'EUR' },
      uniqueId('key'),
    );
    const cursor = (await page('/v1/orders?limit=1')).next_cursor;
    const [payload, mac] = cursor.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = Buffer.from(JSON.stringify({ ...decoded, s: 0, x: '1' })).toString('base64url');
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

    for (const bad of [
      `${forged}.${mac}`, // an earlier position under the old signature
      `${flip(payload, 3)}.${mac}`,
      `${payload}.${flip(mac, 5)}`,
      payload,
      'not-a-cursor',
      `${payload}.${mac}.${mac}`,
      'x'.repeat(2000),
    ]) {
      const answer = await api.get(afterCursor(bad));
      expect([answer.status, errorCode(answer)], bad.slice(0, 40)).toEqual([400, 'invalid_cursor']);
    }
    const foreign = await api.get(afterCursor(cursor), { partner: OTHER_PARTNER });
    expect([foreign.status, errorCode(foreign)]).toEqual([400, 'invalid_cursor']);
    expect((await api.get(afterCursor(cursor))).status).toBe(200);
  });

  it('shows a partner only its own orders', async () => {
    const mine = uniqueId('ORD-mine');
    await api.createOrder({ order_id: mine, total_amount: 100, currency: 'EUR' }, uniqueId('key'), {
      partner: OTHER_PARTNER,
    });
    const acme = await readWholeExport(api, 'limit=500');
    const other = await readWholeExport(api, 'limit=500', { partner: OTHER_PARTNER });
    expect(acme.items.map((item) => item.order_id)).not.toContain(mine);
    expect(other.items.map((item) => item.order_id)).toEqual([mine]);
  });

  it('needs a token with orders:read', async () => {
    const anonymous = await api.call('GET', '/v1/orders');
    expect([anonymous.status, errorCode(anonymous)]).toEqual([401, 'invalid_token']);
    const writer = await api.get('/v1/orders', { scope: 'orders:write' });
    expect([writer.status, errorCode(writer)]).toEqual([403, 'insufficient_scope']);
  });

  it('serves its contract at /v1/openapi.json', async () => {
    const answer = await api.call('GET', '/v1/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ openapi: '3.1.0', paths: { '/v1/orders': {} } });
  });
});
