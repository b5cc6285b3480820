/** An event as the partner emits it: our envelope, the order in the partner's field names. */
export interface PartnerEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  order: Record<string, unknown>;
}

/** The exact bytes a partner would send for this event. */
export function partnerEventBody(event: PartnerEvent): Buffer {
  return Buffer.from(
    JSON.stringify({
      event_id: event.eventId,
      type: event.type,
      occurred_at: event.occurredAt,
      data: { order: event.order },
    }),
  );
}
