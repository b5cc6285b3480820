import { isoUtc } from '../../../../lib/clock.js';
import type { PartnerEvent } from '../../../../simulators/webhook/partnerEvent.js';
import type { PartnerDocument } from '../../../run/partnerDocuments.js';
import { eventIdFor, orderNumberFor, type ScenarioContext } from '../../../run/scenarioContext.js';

/** An event as a scenario file writes it. */
export interface ScenarioEvent {
  ref: string;
  type: string;
  order: string;
  at_s?: number;
  fields?: Record<string, unknown>;
}

/**
 * The partner's version of a scenario event: run-unique ids, times from the scenario's start,
 * and order fields in the partner's names. Fields the scenario leaves out are drawn from the
 * run's seed, so a rerun with the same seed sends the same values.
 */
export function toPartnerEvent(event: ScenarioEvent, context: ScenarioContext): PartnerEvent {
  const happenedAt = isoUtc(context.startedAtMs + (event.at_s ?? 0) * 1000);
  const random = context.random.fork(`event:${event.ref}`);
  return {
    eventId: eventIdFor(context, event.ref),
    type: event.type,
    occurredAt: happenedAt,
    order: {
      OrderNumber: orderNumberFor(context, event.order),
      TotalGross: 1000 + random.int(99_000),
      CurrencyCode: 'EUR',
      LastModified: happenedAt,
      BuyerEmail: `buyer.${event.order}@example.com`,
      ...event.fields,
    },
  };
}

/** The event as oracles see it, whatever carried it: the order it is about and what it said. */
export function documentOf(event: ScenarioEvent, sent: PartnerEvent): PartnerDocument {
  const number = sent.order.OrderNumber;
  return {
    ref: event.ref,
    id: sent.eventId,
    type: sent.type,
    order: {
      ref: event.order,
      number: typeof number === 'string' ? number : String(number),
      fields: sent.order,
    },
  };
}
