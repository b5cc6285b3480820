import type { DeliveryRecord } from '../../simulators/webhook/webhookSender.js';
import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import type { ScenarioContext } from '../run/scenarioContext.js';
import { fail, type OracleCheck } from './oracleKind.js';

export interface DeliverySelect {
  fault?: string;
  without_fault?: string;
  nth?: number;
}

/** An oracle about some of one step's deliveries: `step`, and optionally `select`. */
export type StepOracle<Fields> = OracleDocument & {
  step: string;
  select?: DeliverySelect;
} & Fields;

/** The deliveries of a step an oracle looks at: all, those a fault shaped, or the nth. */
export function selectDeliveries(
  context: ScenarioContext,
  stepId: string,
  select: DeliverySelect = {},
): DeliveryRecord[] {
  let records = context.deliveries.get(stepId) ?? [];
  if (select.fault !== undefined)
    records = records.filter((record) => record.faults.includes(select.fault as string));
  if (select.without_fault !== undefined)
    records = records.filter((record) => !record.faults.includes(select.without_fault as string));
  if (select.nth !== undefined) records = records.slice(select.nth, select.nth + 1);
  return records;
}

export function describeSelection(stepId: string, select: DeliverySelect = {}): string {
  const parts = [
    select.fault && `with fault ${select.fault}`,
    select.without_fault && `without fault ${select.without_fault}`,
    select.nth !== undefined && `#${select.nth}`,
  ].filter(Boolean);
  return `step "${stepId}"${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

export function deliveryLabel(record: DeliveryRecord): string {
  return `delivery ${record.correlationId} (event ${record.eventId}${record.faults.length > 0 ? `, faults ${record.faults.join('+')}` : ''})`;
}

/** What the receiver answered, in the terms oracles compare. */
export function answerOf(record: DeliveryRecord): {
  status: number;
  outcome?: string;
  effect?: string;
  error_code?: string;
} {
  const body = (record.body ?? {}) as {
    status?: string;
    effect?: string;
    error?: { code?: string };
  };
  return {
    status: record.status,
    ...(body.status !== undefined ? { outcome: body.status } : {}),
    ...(body.effect !== undefined ? { effect: body.effect } : {}),
    ...(body.error?.code !== undefined ? { error_code: body.error.code } : {}),
  };
}

/** The failure of an oracle whose selection matched no delivery: it checked nothing. */
export function nothingSelected(
  expected: unknown,
  stepId: string,
  select?: DeliverySelect,
): OracleCheck {
  return fail(expected, [], describeSelection(stepId, select), 'no delivery matched the selection');
}
