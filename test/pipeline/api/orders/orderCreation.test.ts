import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  opsView,
  orderEvent,
  uniqueId,
  type OrderView,
} from '../../../support/pipelineUnderTest.js';
import { ENGINES } from '../../../support/stores.js';
import {
  errorCode,
  readWholeExport,
  startOrdersApi,
  type ExportedOrder,
  type OrdersApi,
} from './ordersApiSupport.js';

/**
 * POST /v1/orders as a partner calls it: an order is created once per Idempotency-Key whatever
 * the retries, goes through the same rules as a webhook's (versions, last writer wins, event
 * chain, change feed), and a request the API refuses leaves nothing behind. Every answer is checked
 * against the OpenAPI document by the helper.
 */
describe.each(ENGINES)('POST /v1/orders on $name', (engine) => {
  let api: OrdersApi;

  beforeAll(async () => {
    api = await startOrdersApi(engine);
  });
  afterAll(async () => {
    await api?.close();
  });

  const order = (orderId = uniqueId('ORD')) => ({
    order_id: orderId,
    total_amount: 4599,
    currency: 'EUR',
    buyer_email: 'buyer@example.com',
  });
  const changesOf = async (orderId: string): Promise<ExportedOrder[]> =>
    (await readWholeExport(api, 'limit=500')).items.filter((item) => item.order_id === orderId);
  const opsOrder = async (orderId: string) =>
    (await opsView(api.sut).order(orderId)).body as OrderView;

  it('creates the order as one change: 201, the order in the export and in the ops view', async () => {
    const body = order();
    const answer = await api.createOrder(body, uniqueId('key'));

    expect(answer.status).toBe(201);
    expect(answer.headers.get('idempotent-replayed')).toBeNull();
    const receipt = answer.json as { effect: string; order: ExportedOrder };
    expect(receipt).toEqual({
      effect: 'applied',
      order: {
        ...body,
        status: 'open',
        updated_at: new Date(api.sut.clock.now()).toISOString(),
        event_id: expect.stringMatching(/^api\./),
      },
    });
    expect(await changesOf(body.order_id)).toEqual([receipt.order]);
    const view = await opsOrder(body.order_id);
    expect(view.order).toMatchObject({
      total_amount: 4599,
      currency: 'EUR',
      last_event_id: receipt.order.event_id,
    });
    expect(view.event_chain).toEqual([
      expect.objectContaining({
        event_id: receipt.order.event_id,
        event_type: 'order.created',
        outcome: 'applied',
      }),
    ]);
  });

  it('answers a retry with the same key and body with the first answer, replayed, changing nothing', async () => {
    const body = order();
    const key = uniqueId('key');
    const first = await api.createOrder(body, key);
    api.sut.clock.advance(5_000);
    // The same request as the partner's client may re-serialise it: other key order, spacing.
    const respelled = `{ "currency": "EUR", "buyer_email": "buyer@example.com", "total_amount": 4599, "order_id": ${JSON.stringify(body.order_id)} }`;
    const retry = await api.createOrder(respelled, key);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(await changesOf(body.order_id)).toHaveLength(1);
    expect((await opsOrder(body.order_id)).event_chain).toHaveLength(1);
  });

  it('refuses the same key with another body (422) and keeps the first order', async () => {
    const body = order();
    const key = uniqueId('key');
    expect((await api.createOrder(body, key)).status).toBe(201);
    const other = await api.createOrder({ ...body, total_amount: 1 }, key);

    expect([other.status, errorCode(other)]).toEqual([422, 'idempotency_key_reused']);
    expect((await opsOrder(body.order_id)).order).toMatchObject({ total_amount: 4599 });
    expect(await changesOf(body.order_id)).toHaveLength(1);
  });

  it('creates one order for concurrent requests with one key; the others replay its answer', async () => {
    const body = order();
    const key = uniqueId('key');
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.createOrder(body, key)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(201));
    expect(
      answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true'),
    ).toHaveLength(5);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(await changesOf(body.order_id)).toHaveLength(1);
  });

  it('needs an Idempotency-Key: missing → 400, malformed → 400, nothing stored', async () => {
    const body = order();
    const missing = await api.createOrder(body, undefined);
    expect([missing.status, errorCode(missing)]).toEqual([400, 'idempotency_key_missing']);
    for (const bad of ['with space', 'x'.repeat(256), 'clé']) {
      const answer = await api.createOrder(body, bad);
      expect([answer.status, errorCode(answer)], bad).toEqual([400, 'idempotency_key_invalid']);
    }
    expect((await opsView(api.sut).order(body.order_id)).status).toBe(404);
  });

  it("checks the order by the partner's mapping rules (422 naming field and rule) and leaves the key unused", async () => {
    const key = uniqueId('key');
    const cases: [unknown, { field: string; rule: string }][] = [
      [
        { ...order(), total_amount: 0 },
        { field: '/total_amount', rule: 'minimum' },
      ], // p_001: TotalGross ≥ 1
      [
        { ...order(), total_amount: 12.5 },
        { field: '/total_amount', rule: 'integer' },
      ],
      [
        { ...order(), currency: 'XXX' },
        { field: '/currency', rule: 'currency' },
      ],
      [
        { ...order(), order_id: 'x'.repeat(129) },
        { field: '/order_id', rule: 'max_length' },
      ],
      [
        { ...order(), buyer_email: '' },
        { field: '/buyer_email', rule: 'string' },
      ],
      [
        { total_amount: 100, currency: 'EUR' },
        { field: '/order_id', rule: 'required' },
      ],
      [
        { ...order(), updated_at: '2030-01-01T00:00:00Z' },
        { field: '/updated_at', rule: 'unknown_field' },
      ],
      [
        { ...order(), totl: 1 },
        { field: '/totl', rule: 'unknown_field' },
      ],
      [
        { ...order(), order_id: 'a\u0000b' },
        { field: '/order_id', rule: 'text' },
      ],
      [[order()], { field: '', rule: 'type' }],
    ];
    for (const [body, detail] of cases) {
      const answer = await api.createOrder(body, key);
      expect([answer.status, errorCode(answer)], JSON.stringify(body).slice(0, 80)).toEqual([
        422,
        'invalid_order',
      ]);
      expect(answer.json).toMatchObject({ error: { details: [expect.objectContaining(detail)] } });
      expect(answer.text).not.toContain('buyer@example.com');
    }
    const malformed = await api.createOrder('{"order_id": ', key);
    expect([malformed.status, errorCode(malformed)]).toEqual([400, 'malformed_json']);
    const notJson = await api.createOrder('order_id=1', key, {
      headers: { 'content-type': 'text/plain' },
    });
    expect([notJson.status, errorCode(notJson)]).toEqual([415, 'unsupported_media_type']);

    // None of those used the key up: the corrected request goes through with it.
    expect((await api.createOrder(order(), key)).status).toBe(201);
  });

  it('is one domain with the webhook inbox: the newest version wins, whichever way it came', async () => {
    const orderId = uniqueId('ORD');
    // Acme's own system stamped this change a minute ahead of our clock (within its clock skew).
    const ahead = new Date(api.sut.clock.now() + 60_000).toISOString();
    const webhook = orderEvent({
      eventId: uniqueId('evt'),
      orderId,
      total: 700,
      lastModified: ahead,
    });
    expect((await api.sut.deliver(webhook)).status).toBe(200);

    const superseded = await api.createOrder(
      { ...order(orderId), total_amount: 800 },
      uniqueId('key'),
    );
    expect(superseded.status).toBe(200);
    expect(superseded.json).toMatchObject({
      effect: 'superseded',
      order: { total_amount: 700, updated_at: ahead, event_id: webhook.event_id },
    });

    api.sut.clock.advance(120_000);
    const applied = await api.createOrder(
      { ...order(orderId), total_amount: 900 },
      uniqueId('key'),
    );
    expect(applied.status).toBe(201);
    expect((await changesOf(orderId)).map((change) => change.total_amount)).toEqual([700, 900]);
    expect((await opsOrder(orderId)).event_chain.map((event) => event.outcome)).toEqual([
      'applied',
      'superseded',
      'applied',
    ]);
  });

  it('needs a token with orders:write', async () => {
    const anonymous = await api.call('POST', '/v1/orders', {
      headers: { 'content-type': 'application/json', 'idempotency-key': uniqueId('key') },
      body: JSON.stringify(order()),
    });
    expect([anonymous.status, errorCode(anonymous)]).toEqual([401, 'invalid_token']);
  });
});
