import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_ERRORS } from '../../../pipeline/http/errors.js';
import { recordDeliveries } from '../../../pipeline/inbox/recordDeliveries.js';
import { refusedDelivery } from '../../support/deliveries.js';
import {
  asErrorBody,
  opsView,
  orderEvent,
  startPipelineUnderTest,
  uniqueId,
  WEBHOOK_PARTNER,
  type OpsView,
  type OrderView,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import { ENGINES } from '../../support/stores.js';

const OPS_TOKEN = 'ops-token-for-tests-0123456789';

interface DeliveryPage {
  items: { id: number; partner_id: string; correlation_id: string }[];
  next_cursor: string | null;
}

describe.each(ENGINES)('ops API on $name', (engine) => {
  let sut: PipelineUnderTest;
  let ops: OpsView;

  beforeAll(async () => {
    sut = await startPipelineUnderTest(engine);
    ops = opsView(sut);
  });
  afterAll(async () => {
    await sut?.close();
  });

  describe('GET /ops/deliveries pagination', () => {
    it('pages newest first, following next_cursor, listing every row exactly once', async () => {
      const partnerId = `unknown:${uniqueId('page')}`;
      const submissions = Array.from({ length: 25 }, (_, index) =>
        refusedDelivery({ partnerId, correlationId: uniqueId(`page-${index}`) }),
      );
      // Interleave rows of another partner: the filter must hold on every page.
      const noise = Array.from({ length: 5 }, () =>
        refusedDelivery({ correlationId: uniqueId('noise') }),
      );
      await sut.store.transaction((tx) =>
        recordDeliveries(tx, [...submissions.slice(0, 12), ...noise, ...submissions.slice(12)]),
      );
      const expected = await sut.store.query<{ seq: number }>(
        'SELECT seq FROM webhook_deliveries WHERE partner_id = $1 ORDER BY seq DESC',
        [partnerId],
      );

      const seen: number[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const query: string = `/ops/deliveries?partner_id=${encodeURIComponent(partnerId)}&limit=10${cursor ? `&cursor=${cursor}` : ''}`;
        const answer = await sut.get(query);
        expect(answer.status).toBe(200);
        const page = answer.json as DeliveryPage;
        pageSizes.push(page.items.length);
        for (const item of page.items) {
          expect(item.partner_id).toBe(partnerId);
          seen.push(item.id);
        }
        cursor = page.next_cursor;
        if (cursor === null) break;
      }
      expect(cursor).toBeNull();
      expect(pageSizes).toEqual([10, 10, 5]);
      expect(seen).toEqual(expected.map((row) => Number(row.seq)));
      expect(new Set(seen).size).toBe(25);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
      // The correlation ids listed are exactly the ones submitted.
      const all = (
        await sut.get(`/ops/deliveries?partner_id=${encodeURIComponent(partnerId)}&limit=500`)
      ).json as DeliveryPage;
      expect(all.items.map((item) => item.correlation_id).sort()).toEqual(
        submissions.map((submission) => submission.correlationId).sort(),
      );
    });

    it('keeps a cursor stable while new rows arrive: they show only on a fresh first page', async () => {
      const partnerId = `unknown:${uniqueId('stable')}`;
      const insert = (count: number) =>
        sut.store.transaction((tx) =>
          recordDeliveries(
            tx,
            Array.from({ length: count }, () =>
              refusedDelivery({ partnerId, correlationId: uniqueId('stable') }),
            ),
          ),
        );
      await insert(6);
      const base = `/ops/deliveries?partner_id=${encodeURIComponent(partnerId)}&limit=3`;
      const first = (await sut.get(base)).json as DeliveryPage;
      await insert(4);
      const second = (await sut.get(`${base}&cursor=${first.next_cursor}`)).json as DeliveryPage;
      expect(second.items).toHaveLength(3);
      expect(Math.max(...second.items.map((item) => item.id))).toBeLessThan(
        Math.min(...first.items.map((item) => item.id)),
      );
      expect(second.next_cursor).toBeNull();
      const fresh = (await sut.get(base)).json as DeliveryPage;
      expect(Math.min(...fresh.items.map((item) => item.id))).toBeGreaterThan(
        Math.max(...first.items.map((item) => item.id)),
      );
    });

    it.each([
      ['cursor=garbage', 'cursor'],
      [`cursor=${Buffer.from('{"before":"x"}').toString('base64url')}`, 'cursor'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=2.5', 'limit'],
    ])('answers 400 bad_request naming the parameter for %s', async (query, field) => {
      for (const list of ['deliveries', 'inbox', 'alerts']) {
        const answer = await sut.get(`/ops/${list}?${query}`);
        expect(answer.status).toBe(400);
        const body = asErrorBody(answer.json);
        expect(body.error).toMatchObject({
          code: 'bad_request',
          message_id: PIPELINE_ERRORS.badRequest.messageId,
        });
        expect(body.error.details).toEqual([expect.objectContaining({ field })]);
      }
    });

    it('accepts the largest limit', async () => {
      expect((await sut.get('/ops/deliveries?limit=500')).status).toBe(200);
    });
  });

  describe('GET /ops/orders/{partner}/{order}', () => {
    it('returns the order and its event chain in arrival order', async () => {
      const orderId = uniqueId('ORD');
      const updated = orderEvent({
        eventId: uniqueId('evt-u'),
        type: 'order.updated',
        orderId,
        total: 2500,
        lastModified: '2026-01-15T11:00:00.000Z',
      });
      const created = orderEvent({
        eventId: uniqueId('evt-c'),
        orderId,
        total: 1000,
        lastModified: '2026-01-15T10:00:00.000Z',
      });
      const updatedAnswer = await sut.deliver(updated, { 'x-correlation-id': `${orderId}-u` });
      const createdAnswer = await sut.deliver(created, { 'x-correlation-id': `${orderId}-c` });
      expect(updatedAnswer.json).toMatchObject({ status: 'processed', effect: 'applied' });
      expect(createdAnswer.json).toMatchObject({ status: 'processed', effect: 'superseded' });

      const answer = await sut.get(`/ops/orders/${WEBHOOK_PARTNER}/${orderId}`);
      expect(answer.status).toBe(200);
      const view = answer.json as OrderView;
      expect(view).toMatchObject({
        partner_id: WEBHOOK_PARTNER,
        order_id: orderId,
        order: {
          status: 'open',
          total_amount: 2500,
          currency: 'EUR',
          updated_at: '2026-01-15T11:00:00.000Z',
          last_event_id: updated.event_id,
          correlation_id: `${orderId}-u`,
        },
      });
      expect(view.event_chain).toEqual([
        expect.objectContaining({
          event_id: updated.event_id,
          event_type: 'order.updated',
          outcome: 'applied',
          correlation_id: `${orderId}-u`,
        }),
        expect.objectContaining({
          event_id: created.event_id,
          event_type: 'order.created',
          outcome: 'superseded',
          correlation_id: `${orderId}-c`,
        }),
      ]);
    });

    it('answers 404 for an order it has never seen, and for another partner’s order', async () => {
      const orderId = uniqueId('ORD');
      await sut.deliver(
        orderEvent({ eventId: uniqueId('evt'), orderId, lastModified: '2026-01-15T10:00:00.000Z' }),
      );
      for (const path of [
        `/ops/orders/${WEBHOOK_PARTNER}/${uniqueId('nope')}`,
        `/ops/orders/p_002/${orderId}`,
      ]) {
        const answer = await sut.get(path);
        expect(answer.status).toBe(404);
        // The code of a missing record is the ops API's to choose; what it says is not.
        expect(asErrorBody(answer.json).error).toMatchObject({ message: 'No such order.' });
      }
    });
  });

  describe('GET /ops/inbox', () => {
    it('shows one event with its payload and its delivery log', async () => {
      const event = orderEvent({
        eventId: uniqueId('evt'),
        orderId: uniqueId('ORD'),
        lastModified: '2026-01-15T10:00:00.000Z',
      });
      await sut.deliver(event, { 'x-correlation-id': `${event.event_id}-1` });
      await sut.deliver(event, { 'x-correlation-id': `${event.event_id}-2` });

      const answer = await sut.get(`/ops/inbox/${WEBHOOK_PARTNER}/${event.event_id}`);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        event_id: event.event_id,
        status: 'processed',
        payload: event,
        correlation_id: `${event.event_id}-1`,
        deliveries: { processed: 1, replayed: 1, conflict: 0, refused: 0 },
        delivery_log: [
          { outcome: 'processed', correlation_id: `${event.event_id}-1` },
          { outcome: 'replayed', correlation_id: `${event.event_id}-2` },
        ],
      });
      expect(await ops.inbox(event.event_id)).toHaveLength(1);

      const missing = await sut.get(`/ops/inbox/${WEBHOOK_PARTNER}/${uniqueId('nope')}`);
      expect(missing.status).toBe(404);
      expect(asErrorBody(missing.json).error.message).toBe('No such event in the inbox.');
    });
  });

  describe('GET /ops/alerts', () => {
    it('filters alerts by kind and correlation id', async () => {
      const body = JSON.stringify(
        orderEvent({
          eventId: uniqueId('evt'),
          orderId: uniqueId('ORD'),
          lastModified: '2026-01-15T10:00:00.000Z',
        }),
      );
      const correlationId = uniqueId('alert');
      await sut.post(`/webhooks/${WEBHOOK_PARTNER}`, body, {
        'content-type': 'application/json',
        'x-signature': `t=${sut.nowS()}, v1=${'a'.repeat(64)}`,
        'x-correlation-id': correlationId,
      });
      const answer = await sut.get(
        `/ops/alerts?kind=webhook.signature_invalid&correlation_id=${correlationId}`,
      );
      expect(answer.json).toMatchObject({
        items: [
          {
            kind: 'webhook.signature_invalid',
            severity: 'critical',
            partner_id: WEBHOOK_PARTNER,
            correlation_id: correlationId,
          },
        ],
        next_cursor: null,
      });
      expect(
        (await sut.get(`/ops/alerts?kind=webhook.event_conflict&correlation_id=${correlationId}`))
          .json,
      ).toEqual({
        items: [],
        next_cursor: null,
      });
    });
  });

  describe('GET /ops/partners', () => {
    it('lists every partner and how it is wired, without any secret value', async () => {
      const answer = await sut.get('/ops/partners');
      expect(answer.status).toBe(200);
      const items = (answer.json as { items: Record<string, unknown>[] }).items;
      expect(items.map((item) => item.partner_id).sort()).toEqual(['p_001', 'p_002', 'p_003']);
      expect(items.find((item) => item.partner_id === 'p_001')).toMatchObject({
        name: 'Acme Retail',
        webhook: {
          inbox_path: '/webhooks/p_001',
          signature_schemes: ['x-signature', 'standard-webhooks'],
          window_s: 600,
          secrets_configured: 1,
        },
      });
      expect(items.find((item) => item.partner_id === 'p_002')).toMatchObject({ webhook: null });
      expect(answer.text).not.toContain(sut.secret);
      expect(answer.text).not.toContain(sut.secret.slice('whsec_'.length, 'whsec_'.length + 16));
    });
  });

  it('answers 404 route_not_found for a path it does not serve', async () => {
    const answer = await sut.get('/ops/nothing-here');
    expect(answer.status).toBe(404);
    expect(asErrorBody(answer.json).error).toMatchObject({
      code: 'route_not_found',
      message_id: PIPELINE_ERRORS.routeNotFound.messageId,
    });
  });

  describe('with an ops token', () => {
    let guarded: PipelineUnderTest;
    beforeAll(async () => {
      guarded = await startPipelineUnderTest(engine, {
        testStore: sut.testStore,
        secret: sut.secret,
        opsToken: OPS_TOKEN,
      });
    });
    afterAll(async () => {
      await guarded?.close();
    });

    it.each([
      ['no authorization', {}],
      ['a wrong token', { authorization: 'Bearer not-the-token-at-all-0123456' }],
      ['the token without the scheme', { authorization: OPS_TOKEN }],
      ['a prefix of the token', { authorization: `Bearer ${OPS_TOKEN.slice(0, -1)}` }],
    ])(
      'refuses /ops/* with %s: 401 and WWW-Authenticate',
      async (_label, headers: Record<string, string>) => {
        for (const path of [
          '/ops/partners',
          '/ops/deliveries',
          `/ops/orders/${WEBHOOK_PARTNER}/x`,
        ]) {
          const answer = await guarded.get(path, headers);
          expect(answer.status).toBe(401);
          expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
          expect(asErrorBody(answer.json).error).toMatchObject({
            code: 'unauthorized',
            message_id: PIPELINE_ERRORS.unauthorized.messageId,
          });
        }
      },
    );

    it('serves /ops/* with the token, and leaves health, metrics and the inbox open', async () => {
      const auth = { authorization: `Bearer ${OPS_TOKEN}` };
      expect((await guarded.get('/ops/partners', auth)).status).toBe(200);
      expect((await guarded.get('/ops/deliveries?limit=1', auth)).status).toBe(200);
      expect((await guarded.get('/healthz')).status).toBe(200);
      expect((await guarded.get('/readyz')).status).toBe(200);
      expect((await guarded.get('/metrics')).status).toBe(200);
      const event = orderEvent({
        eventId: uniqueId('evt'),
        orderId: uniqueId('ORD'),
        lastModified: '2026-01-15T10:00:00.000Z',
      });
      expect((await guarded.deliver(event)).json).toMatchObject({ status: 'processed' });
      expect(await opsView(guarded, auth).inbox(event.event_id)).toHaveLength(1);
    });
  });
});
