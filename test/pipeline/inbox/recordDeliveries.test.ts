import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import type { DeliveryOutcome, InboxSubmission } from '../../../pipeline/inbox/delivery.js';
import { recordDeliveries } from '../../../pipeline/inbox/recordDeliveries.js';
import type { Store } from '../../../pipeline/store/store.js';
import {
  alertRows,
  auditRows,
  eventDelivery,
  inboxRows,
  orderEventRows,
  orderRows,
  refusedDelivery,
} from '../../support/deliveries.js';
import {
  loadTestProfiles,
  orderEvent,
  uniqueId,
  WEBHOOK_PARTNER,
} from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';

const T1 = '2026-01-10T08:00:00.000Z';
const T2 = '2026-01-10T09:30:00.000Z';

describe.each(ENGINES)('recordDeliveries on $name', (engine) => {
  let testStore: TestStore;
  let store: Store;
  let profile: PartnerProfile;

  beforeAll(async () => {
    testStore = await openTestStore(engine);
    store = testStore.store;
    profile = (await loadTestProfiles()).get(WEBHOOK_PARTNER) as PartnerProfile;
  });
  afterAll(async () => {
    await testStore?.dispose();
  });

  const record = (batch: InboxSubmission[]): Promise<DeliveryOutcome[]> =>
    store.transaction((tx) => recordDeliveries(tx, batch));

  /** Everything the store holds about one order and its events. */
  const snapshot = async (orderId: string, eventIds: string[]) => ({
    order: await orderRows(store, orderId),
    chain: await orderEventRows(store, orderId),
    inbox: await Promise.all(eventIds.map((eventId) => inboxRows(store, eventId))),
  });

  it('processes a first delivery: inbox row, order row, one event-chain row, one audit row', async () => {
    const orderId = uniqueId('ORD');
    const event = orderEvent({ eventId: uniqueId('evt'), orderId, total: 4599, lastModified: T1 });
    const delivery = eventDelivery(profile, event);

    expect(await record([delivery])).toEqual([{ outcome: 'processed', effect: 'applied' }]);

    const [inbox] = await inboxRows(store, event.event_id);
    expect(inbox).toMatchObject({
      event_type: 'order.created',
      payload_sha256: delivery.payloadSha256,
      payload: delivery.payloadText,
      signature_scheme: 'x-signature',
      correlation_id: delivery.correlationId,
    });
    expect(await orderRows(store, orderId)).toEqual([
      expect.objectContaining({
        status: 'open',
        total_amount: 4599,
        currency: 'EUR',
        last_event_id: event.event_id,
        correlation_id: delivery.correlationId,
      }),
    ]);
    expect((await orderRows(store, orderId))[0]?.updated_at).toEqual(new Date(T1));
    expect(await orderEventRows(store, orderId)).toEqual([
      expect.objectContaining({
        event_id: event.event_id,
        outcome: 'applied',
        event_type: 'order.created',
      }),
    ]);
    expect(await auditRows(store, { eventId: event.event_id })).toEqual([
      expect.objectContaining({ outcome: 'processed', http_status: 200, error_code: null }),
    ]);
    expect(await alertRows(store, delivery.correlationId)).toEqual([]);
  });

  it('replays the same event with the same payload without changing anything', async () => {
    const orderId = uniqueId('ORD');
    const event = orderEvent({ eventId: uniqueId('evt'), orderId, lastModified: T1 });
    await record([eventDelivery(profile, event)]);
    const before = await snapshot(orderId, [event.event_id]);

    const again = eventDelivery(profile, event, {
      correlationId: uniqueId('corr'),
      receivedAt: new Date(T2),
    });
    expect(await record([again])).toEqual([{ outcome: 'replayed' }]);

    expect(await snapshot(orderId, [event.event_id])).toEqual(before);
    expect((await auditRows(store, { eventId: event.event_id })).map((row) => row.outcome)).toEqual(
      ['processed', 'replayed'],
    );
    expect(await alertRows(store, again.correlationId)).toEqual([]);
  });

  it('treats the same payload re-serialised (key order, whitespace) as a replay', async () => {
    const orderId = uniqueId('ORD');
    const event = orderEvent({ eventId: uniqueId('evt'), orderId, total: 100, lastModified: T1 });
    await record([eventDelivery(profile, event)]);
    const before = await snapshot(orderId, [event.event_id]);

    const reordered = {
      data: {
        order: {
          LastModified: event.data.order.LastModified,
          CurrencyCode: event.data.order.CurrencyCode,
          TotalGross: event.data.order.TotalGross,
          OrderNumber: event.data.order.OrderNumber,
        },
      },
      occurred_at: event.occurred_at,
      type: event.type,
      event_id: event.event_id,
    };
    const text = JSON.stringify(reordered, null, 3);
    expect(text).not.toBe(JSON.stringify(event));
    expect(
      await record([eventDelivery(profile, text, { correlationId: uniqueId('corr') })]),
    ).toEqual([{ outcome: 'replayed' }]);
    expect(await snapshot(orderId, [event.event_id])).toEqual(before);
  });

  it('flags the same event_id with a different payload as a conflict and never applies it', async () => {
    const orderId = uniqueId('ORD');
    const event = orderEvent({ eventId: uniqueId('evt'), orderId, total: 100, lastModified: T1 });
    const first = eventDelivery(profile, event);
    await record([first]);
    const before = await snapshot(orderId, [event.event_id]);

    // A newer-looking state: were it applied, the order would change.
    const tampered = orderEvent({
      eventId: event.event_id,
      orderId,
      total: 999_999,
      lastModified: T2,
    });
    const conflicting = eventDelivery(profile, tampered, { correlationId: uniqueId('corr') });
    expect(await record([conflicting])).toEqual([
      { outcome: 'conflict', storedSha256: first.payloadSha256 },
    ]);

    expect(await snapshot(orderId, [event.event_id])).toEqual(before);
    expect(await alertRows(store, conflicting.correlationId)).toEqual([
      expect.objectContaining({
        kind: 'webhook.event_conflict',
        severity: 'critical',
        details: {
          event_id: event.event_id,
          stored_sha256: first.payloadSha256,
          received_sha256: conflicting.payloadSha256,
        },
      }),
    ]);
    expect(await auditRows(store, { correlationId: conflicting.correlationId })).toEqual([
      expect.objectContaining({
        outcome: 'conflict',
        http_status: 409,
        error_code: 'event_conflict',
      }),
    ]);
  });

  it('judges duplicates inside one batch in arrival order: processed, replayed, conflict', async () => {
    const orderId = uniqueId('ORD');
    const event = orderEvent({ eventId: uniqueId('evt'), orderId, total: 100, lastModified: T1 });
    const a = eventDelivery(profile, event, { correlationId: uniqueId('corr') });
    const aAgain = eventDelivery(profile, event, { correlationId: uniqueId('corr') });
    const aOther = eventDelivery(
      profile,
      orderEvent({ eventId: event.event_id, orderId, total: 5, lastModified: T2 }),
      {
        correlationId: uniqueId('corr'),
      },
    );

    expect(await record([a, aAgain, aOther])).toEqual([
      { outcome: 'processed', effect: 'applied' },
      { outcome: 'replayed' },
      { outcome: 'conflict', storedSha256: a.payloadSha256 },
    ]);
    expect(await inboxRows(store, event.event_id)).toEqual([
      expect.objectContaining({ payload_sha256: a.payloadSha256, correlation_id: a.correlationId }),
    ]);
    expect(await orderRows(store, orderId)).toEqual([
      expect.objectContaining({ total_amount: 100 }),
    ]);
    expect(await orderEventRows(store, orderId)).toHaveLength(1);
    expect((await auditRows(store, { eventId: event.event_id })).map((row) => row.outcome)).toEqual(
      ['processed', 'replayed', 'conflict'],
    );
    expect(await alertRows(store, aOther.correlationId)).toHaveLength(1);
    expect(await alertRows(store, aAgain.correlationId)).toHaveLength(0);
  });

  describe('last writer wins by LastModified', () => {
    const pair = (orderId: string) => ({
      created: orderEvent({
        eventId: uniqueId('evt-c'),
        type: 'order.created',
        orderId,
        total: 100,
        lastModified: T1,
      }),
      updated: orderEvent({
        eventId: uniqueId('evt-u'),
        type: 'order.updated',
        orderId,
        total: 250,
        lastModified: T2,
      }),
    });

    it('keeps the newer state when the older event arrives later, marking it superseded', async () => {
      const orderId = uniqueId('ORD');
      const { created, updated } = pair(orderId);
      expect(await record([eventDelivery(profile, updated)])).toEqual([
        { outcome: 'processed', effect: 'applied' },
      ]);
      expect(await record([eventDelivery(profile, created)])).toEqual([
        { outcome: 'processed', effect: 'superseded' },
      ]);

      expect(await orderRows(store, orderId)).toEqual([
        expect.objectContaining({
          total_amount: 250,
          last_event_id: updated.event_id,
          updated_at: new Date(T2),
        }),
      ]);
      expect(
        (await orderEventRows(store, orderId)).map((row) => [row.event_id, row.outcome]),
      ).toEqual([
        [updated.event_id, 'applied'],
        [created.event_id, 'superseded'],
      ]);
    });

    it('reaches the same state when both arrive in one batch, in either order', async () => {
      for (const newerFirst of [true, false]) {
        const orderId = uniqueId('ORD');
        const { created, updated } = pair(orderId);
        const batch = newerFirst ? [updated, created] : [created, updated];
        const outcomes = await record(batch.map((event) => eventDelivery(profile, event)));
        expect(outcomes).toEqual(
          newerFirst
            ? [
                { outcome: 'processed', effect: 'applied' },
                { outcome: 'processed', effect: 'superseded' },
              ]
            : [
                { outcome: 'processed', effect: 'applied' },
                { outcome: 'processed', effect: 'applied' },
              ],
        );
        expect(await orderRows(store, orderId)).toEqual([
          expect.objectContaining({
            total_amount: 250,
            status: 'open',
            last_event_id: updated.event_id,
          }),
        ]);
        expect(await orderEventRows(store, orderId)).toHaveLength(2);
      }
    });

    it('a cancellation that is newer wins; one that is older does not', async () => {
      const orderId = uniqueId('ORD');
      const { created, updated } = pair(orderId);
      const cancelledEarly = orderEvent({
        eventId: uniqueId('evt-x'),
        type: 'order.cancelled',
        orderId,
        total: 100,
        lastModified: '2026-01-10T09:00:00.000Z',
      });
      await record([eventDelivery(profile, created)]);
      await record([eventDelivery(profile, updated)]);
      expect(await record([eventDelivery(profile, cancelledEarly)])).toEqual([
        { outcome: 'processed', effect: 'superseded' },
      ]);
      expect(await orderRows(store, orderId)).toEqual([
        expect.objectContaining({ status: 'open', total_amount: 250 }),
      ]);

      const cancelledLate = orderEvent({
        eventId: uniqueId('evt-y'),
        type: 'order.cancelled',
        orderId,
        total: 250,
        lastModified: '2026-01-10T10:00:00.000Z',
      });
      expect(await record([eventDelivery(profile, cancelledLate)])).toEqual([
        { outcome: 'processed', effect: 'applied' },
      ]);
      expect(await orderRows(store, orderId)).toEqual([
        expect.objectContaining({ status: 'cancelled', last_event_id: cancelledLate.event_id }),
      ]);
    });

    it('breaks a tie of equal LastModified by event_id, whatever the arrival order', async () => {
      const stem = uniqueId('tie');
      for (const order of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        const orderId = uniqueId('ORD');
        const events = Object.fromEntries(
          (['a', 'b'] as const).map((suffix, index) => [
            suffix,
            orderEvent({
              eventId: `${stem}-${orderId}-${suffix}`,
              type: 'order.updated',
              orderId,
              total: 1000 + index,
              lastModified: T1,
            }),
          ]),
        );
        for (const suffix of order)
          await record([eventDelivery(profile, events[suffix] as (typeof events)['a'])]);
        expect(await orderRows(store, orderId)).toEqual([
          expect.objectContaining({ total_amount: 1001, last_event_id: `${stem}-${orderId}-b` }),
        ]);
        const chain = await orderEventRows(store, orderId);
        expect(chain.find((row) => row.event_id.endsWith('-a'))?.outcome).toBe(
          order[0] === 'a' ? 'applied' : 'superseded',
        );
        expect(chain.find((row) => row.event_id.endsWith('-b'))?.outcome).toBe('applied');
      }
    });
  });

  it('stores only the audit row (and the alert, when given) for a refusal', async () => {
    const eventId = uniqueId('evt');
    const withAlert = refusedDelivery({
      correlationId: uniqueId('corr'),
      eventId,
      alert: {
        kind: 'webhook.signature_invalid',
        severity: 'critical',
        message: 'bad signature',
        details: { failure: 'mismatch' },
      },
    });
    const withoutAlert = refusedDelivery({
      correlationId: uniqueId('corr'),
      eventId,
      httpStatus: 422,
      errorCode: 'event_id_mismatch',
    });
    const inboxBefore = await store.query('SELECT count(*)::int AS n FROM webhook_inbox');
    const ordersBefore = await store.query('SELECT count(*)::int AS n FROM orders');

    expect(await record([withAlert, withoutAlert])).toEqual([
      { outcome: 'refused', alertRaised: true, audited: true },
      { outcome: 'refused', alertRaised: false, audited: true },
    ]);
    expect(await auditRows(store, { correlationId: withAlert.correlationId })).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        http_status: 401,
        error_code: 'signature_invalid',
        event_id: eventId,
      }),
    ]);
    expect(await auditRows(store, { correlationId: withoutAlert.correlationId })).toEqual([
      expect.objectContaining({
        outcome: 'refused',
        http_status: 422,
        error_code: 'event_id_mismatch',
      }),
    ]);
    expect(await alertRows(store, withAlert.correlationId)).toEqual([
      expect.objectContaining({
        kind: 'webhook.signature_invalid',
        severity: 'critical',
        details: { failure: 'mismatch' },
      }),
    ]);
    expect(await alertRows(store, withoutAlert.correlationId)).toEqual([]);
    expect(await inboxRows(store, eventId)).toEqual([]);
    expect(await store.query('SELECT count(*)::int AS n FROM webhook_inbox')).toEqual(inboxBefore);
    expect(await store.query('SELECT count(*)::int AS n FROM orders')).toEqual(ordersBefore);
  });

  it('records a refusal and an event of one batch each in its own way', async () => {
    const orderId = uniqueId('ORD');
    const event = orderEvent({ eventId: uniqueId('evt'), orderId, lastModified: T1 });
    const refusal = refusedDelivery({ correlationId: uniqueId('corr') });
    expect(await record([refusal, eventDelivery(profile, event)])).toEqual([
      { outcome: 'refused', alertRaised: false, audited: true },
      { outcome: 'processed', effect: 'applied' },
    ]);
    expect(await orderRows(store, orderId)).toHaveLength(1);
    expect(await auditRows(store, { correlationId: refusal.correlationId })).toHaveLength(1);
  });
});
