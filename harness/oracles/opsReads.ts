import type {
  AlertRecord,
  DeliveryAuditRecord,
  InboxEventDetail,
  OrderRecord,
} from '../../contracts/ops/opsRecords.js';
import type { ScenarioContext } from '../run/scenarioContext.js';

/** Reads of the ops API oracles make, in the record shapes declared in contracts/ops. */

const enc = encodeURIComponent;

export function readInboxEvent(
  context: ScenarioContext,
  eventId: string,
): Promise<InboxEventDetail | undefined> {
  return readRecord<InboxEventDetail>(context, 'inbox', eventId);
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
): Promise<DeliveryAuditRecord[]> {
  return context.sut.ops.getAll<DeliveryAuditRecord>('/ops/deliveries', {
    correlation_id: correlationId,
  });
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
