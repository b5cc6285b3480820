import type { ScenarioContext } from '../run/scenarioContext.js';

/** Shapes of the ops API answers oracles read (see the pipeline's ops routes). */
export interface InboxRecord {
  event_id: string;
  status: string;
  payload_sha256: string;
  deliveries: Record<string, number>;
}

export interface OrderRecord {
  order: {
    status: string;
    total_amount: number;
    currency: string;
    updated_at: string;
    last_event_id: string;
  } | null;
  event_chain: { event_id: string; outcome: string; event_type: string }[];
}

export interface AuditRecord {
  correlation_id: string;
  outcome: string;
  error_code: string | null;
  http_status: number;
}

export interface AlertRecord {
  kind: string;
  severity: string;
  correlation_id: string;
  message: string;
}

const enc = encodeURIComponent;

export function readInboxEvent(
  context: ScenarioContext,
  eventId: string,
): Promise<InboxRecord | undefined> {
  return readRecord<InboxRecord>(context, 'inbox', eventId);
}

export function readOrder(
  context: ScenarioContext,
  orderNumber: string,
): Promise<OrderRecord | undefined> {
  return readRecord<OrderRecord>(context, 'orders', orderNumber);
}

/** `GET /ops/{collection}/{partner}/{id}`: the record, or undefined for a 404. */
async function readRecord<T>(
  context: ScenarioContext,
  collection: 'inbox' | 'orders',
  id: string,
): Promise<T | undefined> {
  const response = await context.sut.ops.get<T>(
    `/ops/${collection}/${enc(context.partner.partner_id)}/${enc(id)}`,
  );
  if (response.status === 404) return undefined;
  if (response.status !== 200)
    throw new Error(`GET /ops/${collection} answered ${response.status}`);
  return response.body;
}

export async function readAudit(
  context: ScenarioContext,
  correlationId: string,
): Promise<AuditRecord[]> {
  return context.sut.ops.getAll<AuditRecord>('/ops/deliveries', { correlation_id: correlationId });
}

export async function readAlerts(
  context: ScenarioContext,
  correlationId: string,
  kind?: string,
): Promise<AlertRecord[]> {
  return context.sut.ops.getAll<AlertRecord>('/ops/alerts', {
    correlation_id: correlationId,
    kind,
  });
}

/** The order number an event was about, from what the partner sent. */
export function orderNumberOfEvent(context: ScenarioContext, eventRef: string): string | undefined {
  const order = context.sentEvents.get(eventRef)?.order;
  return typeof order?.OrderNumber === 'string' ? order.OrderNumber : undefined;
}
