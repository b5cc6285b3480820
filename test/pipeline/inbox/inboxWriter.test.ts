import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import type { DeliveryOutcome, InboxSubmission } from '../../../pipeline/inbox/delivery.js';
import { InboxWriter } from '../../../pipeline/inbox/inboxWriter.js';
import type { Store } from '../../../pipeline/store/store.js';
import {
  auditRows,
  eventDelivery,
  inboxRows,
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

type Settled = { ok: true; value: DeliveryOutcome } | { ok: false; error: Error };

function settle(promise: Promise<DeliveryOutcome>): Promise<Settled> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error: error as Error }),
  );
}

describe.each(ENGINES)('InboxWriter on $name', (engine) => {
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

  const freshEvent = (total = 100) =>
    eventDelivery(
      profile,
      orderEvent({ eventId: uniqueId('evt'), orderId: uniqueId('ORD'), total, lastModified: T1 }),
    );

  it('commits concurrent submissions in batches and gives each caller its own outcome', async () => {
    const sizes: number[] = [];
    const writer = new InboxWriter(store, { onBatch: (size) => sizes.push(size) });

    // Refusals with and without alerts interleaved with distinct events: a result handed to the
    // wrong caller shows up as the wrong kind of outcome.
    const submissions: InboxSubmission[] = Array.from({ length: 40 }, (_, index) => {
      if (index % 4 === 1) return refusedDelivery({ correlationId: uniqueId('corr') });
      if (index % 4 === 3) {
        return refusedDelivery({
          correlationId: uniqueId('corr'),
          alert: {
            kind: 'webhook.signature_invalid',
            severity: 'critical',
            message: 'x',
            details: {},
          },
        });
      }
      return freshEvent(index + 1);
    });
    const outcomes = await Promise.all(submissions.map((submission) => writer.submit(submission)));
    await writer.idle();

    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(submissions.length);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(sizes.length).toBeLessThan(submissions.length);
    outcomes.forEach((outcome, index) => {
      if (index % 4 === 1)
        expect(outcome).toEqual({ outcome: 'refused', alertRaised: false, audited: true });
      else if (index % 4 === 3)
        expect(outcome).toEqual({ outcome: 'refused', alertRaised: true, audited: true });
      else expect(outcome).toEqual({ outcome: 'processed', effect: 'applied' });
    });
    // Each event's order carries its own amount: no caller's rows were mixed up with another's.
    for (const [index, submission] of submissions.entries()) {
      if (submission.kind !== 'event') continue;
      expect(await orderRows(store, submission.order.order_id)).toEqual([
        expect.objectContaining({ total_amount: index + 1, last_event_id: submission.eventId }),
      ]);
    }
  });

  it('judges the same event submitted concurrently once: one processed, the rest replayed or conflict', async () => {
    const writer = new InboxWriter(store);
    const original = freshEvent(100);
    const other = eventDelivery(
      profile,
      orderEvent({
        eventId: original.eventId,
        orderId: original.order.order_id,
        total: 7,
        lastModified: T1,
      }),
    );
    const batch = [original, original, original, original, other].map((item, index) => ({
      ...item,
      correlationId: `${item.correlationId}-${index}`,
    }));
    const outcomes = await Promise.all(batch.map((item) => writer.submit(item)));

    const processedIndex = outcomes.findIndex((outcome) => outcome.outcome === 'processed');
    expect(outcomes.filter((outcome) => outcome.outcome === 'processed')).toHaveLength(1);
    const winner = batch[processedIndex] as (typeof batch)[number];
    outcomes.forEach((outcome, index) => {
      if (index === processedIndex) return;
      const item = batch[index] as (typeof batch)[number];
      expect(outcome).toEqual(
        item.payloadSha256 === winner.payloadSha256
          ? { outcome: 'replayed' }
          : { outcome: 'conflict', storedSha256: winner.payloadSha256 },
      );
    });
    expect(await inboxRows(store, original.eventId)).toEqual([
      expect.objectContaining({ payload_sha256: winner.payloadSha256 }),
    ]);
    expect(await auditRows(store, { eventId: original.eventId })).toHaveLength(batch.length);
  });

  it('fails only the bad item of a failing batch; its neighbours are committed once', async () => {
    // Several rounds: the retry of a failed batch must not depend on timing.
    for (let round = 0; round < 5; round++) {
      const sizes: number[] = [];
      const writer = new InboxWriter(store, {
        maxConcurrentFlushes: 1,
        onBatch: (size) => sizes.push(size),
      });
      const filler = freshEvent(1);
      const good = freshEvent(2);
      const bad = { ...freshEvent(3), occurredAt: 'not a timestamp' };
      const goodAgain = { ...good, correlationId: uniqueId('corr') };
      const goodOther = eventDelivery(
        profile,
        orderEvent({
          eventId: good.eventId,
          orderId: good.order.order_id,
          total: 999,
          lastModified: T1,
        }),
        { correlationId: uniqueId('corr') },
      );
      const refusal = refusedDelivery({ correlationId: uniqueId('corr') });

      // Submitted in one turn of the event loop, all six flush together as one batch.
      const pending = [filler, good, bad, goodAgain, goodOther, refusal].map((item) =>
        settle(writer.submit(item)),
      );
      const [fillerResult, goodResult, badResult, againResult, otherResult, refusalResult] =
        await Promise.all(pending);
      await writer.idle();

      expect(sizes).toEqual([6]);
      expect(fillerResult).toEqual({
        ok: true,
        value: { outcome: 'processed', effect: 'applied' },
      });
      expect(badResult?.ok).toBe(false);
      expect(String((badResult as { error: Error }).error.message)).toMatch(/time|date/i);
      // The neighbours keep the verdicts arrival order gives them.
      expect(goodResult).toEqual({ ok: true, value: { outcome: 'processed', effect: 'applied' } });
      expect(againResult).toEqual({ ok: true, value: { outcome: 'replayed' } });
      expect(otherResult).toEqual({
        ok: true,
        value: { outcome: 'conflict', storedSha256: good.payloadSha256 },
      });
      expect(refusalResult).toEqual({
        ok: true,
        value: { outcome: 'refused', alertRaised: false, audited: true },
      });

      expect(await inboxRows(store, bad.eventId)).toEqual([]);
      expect(await orderRows(store, bad.order.order_id)).toEqual([]);
      expect(await auditRows(store, { eventId: bad.eventId })).toEqual([]);
      expect(
        (await auditRows(store, { eventId: good.eventId })).map((row) => row.outcome).sort(),
      ).toEqual(['conflict', 'processed', 'replayed']);
      expect(await orderRows(store, good.order.order_id)).toEqual([
        expect.objectContaining({ total_amount: 2 }),
      ]);
      expect(await auditRows(store, { correlationId: refusal.correlationId })).toHaveLength(1);
    }
  });
});
