import { foldOrderEvents } from '../orders/foldOrderEvents.js';
import { partnerKey } from '../partnerKey.js';
import type { Sql } from '../store/store.js';
import type { DeliveryOutcome, EventDelivery, InboxSubmission } from './delivery.js';
import {
  claimAndRead,
  markSuperseded,
  readLateKeys,
  writeBatch,
  type BatchWrites,
} from './inboxStatements.js';
import { judgeDeliveries } from './judgeDeliveries.js';

/**
 * Records a batch of deliveries in one transaction and decides each one's fate:
 *
 *   event ──> inbox claim ──┬─ new ────────> processed: order effect + event-chain row
 *   (partner, event_id)     └─ already there ─┬─ same sha256 ──> replayed (nothing changes)
 *                                             └─ other sha256 ─> conflict (alert, never applied)
 *   refusal ────────────────────────────────────────────────────> audit row (+ alert)
 *
 * Every delivery leaves exactly one audit row. Two statements do the work (claim-and-read, then
 * write); the judging in between is plain code (judgeDeliveries, foldOrderEvents).
 */
export async function recordDeliveries(
  tx: Sql,
  batch: InboxSubmission[],
): Promise<DeliveryOutcome[]> {
  const events = batch.filter((item): item is EventDelivery => item.kind === 'event');
  const firsts = firstDeliveries(events);
  const { keys, orders } =
    firsts.length > 0
      ? await claimAndRead(tx, firsts)
      : {
          keys: { claimed: new Set<string>(), stored: new Map<string, string>() },
          orders: new Map(),
        };
  const unseen = firsts.filter((item) => {
    const key = partnerKey(item.partnerId, item.eventId);
    return !keys.claimed.has(key) && !keys.stored.has(key);
  });
  if (unseen.length > 0)
    for (const [key, sha] of await readLateKeys(tx, unseen)) keys.stored.set(key, sha);

  const judgement = judgeDeliveries(events, keys);
  const fold = foldOrderEvents(judgement.processed, orders);

  const writes: BatchWrites = {
    winners: [...fold.winners.values()],
    chain: judgement.processed.map((delivery) => ({
      delivery,
      outcome: fold.effects.get(partnerKey(delivery.partnerId, delivery.eventId)) ?? 'applied',
    })),
    audit: [],
    alerts: judgement.conflictAlerts.map(({ delivery, alert }) => ({
      partnerId: delivery.partnerId,
      correlationId: delivery.correlationId,
      alert,
      raisedAt: delivery.receivedAt,
    })),
  };
  const outcomes: DeliveryOutcome[] = batch.map((item) => {
    if (item.kind === 'refusal') {
      writes.audit.push({
        item,
        outcome: 'refused',
        httpStatus: item.httpStatus,
        errorCode: item.errorCode,
        reason: item.reason,
      });
      if (item.alert)
        writes.alerts.push({
          partnerId: item.partnerId,
          correlationId: item.correlationId,
          alert: item.alert,
          raisedAt: item.receivedAt,
        });
      return { outcome: 'refused', alertRaised: item.alert !== undefined };
    }
    const outcome = judgement.outcomes.get(item) as DeliveryOutcome;
    const conflict = outcome.outcome === 'conflict';
    writes.audit.push({
      item,
      outcome: outcome.outcome,
      httpStatus: conflict ? 409 : 200,
      errorCode: conflict ? 'event_conflict' : null,
      reason: conflict ? 'same event_id, different payload' : null,
    });
    if (outcome.outcome === 'processed') {
      outcome.effect = fold.effects.get(partnerKey(item.partnerId, item.eventId)) ?? 'applied';
    }
    return outcome;
  });

  const written = await writeBatch(tx, writes);
  // Another worker stored a newer state of an order meanwhile: this batch's "winner" lost.
  const lost = writes.winners.filter(
    (winner) => !written.has(partnerKey(winner.partnerId, winner.order.order_id)),
  );
  if (lost.length > 0) {
    await markSuperseded(tx, lost);
    for (const delivery of lost) {
      const outcome = judgement.outcomes.get(delivery);
      if (outcome?.outcome === 'processed') outcome.effect = 'superseded';
    }
  }
  return outcomes;
}

/** The first delivery of each event key, in arrival order. */
function firstDeliveries(events: EventDelivery[]): EventDelivery[] {
  const seen = new Set<string>();
  return events.filter((item) => {
    const key = partnerKey(item.partnerId, item.eventId);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
