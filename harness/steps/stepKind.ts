import type { StepDocument } from '../../contracts/scenarios/scenario.js';
import type { DeliveryRecord } from '../../simulators/webhook/webhookSender.js';
import type { ScenarioContext } from '../run/scenarioContext.js';

export interface StepOutput {
  records: DeliveryRecord[];
  /** One line on what happened, for the report. */
  summary: string;
}

/**
 * A step kind: something a fake partner does, named in scenario files (`kind: webhook.send`).
 * One per file, registered in index.ts.
 */
export interface StepKind<Step extends StepDocument = StepDocument> {
  kind: string;
  summary: string;
  run(step: Step, context: ScenarioContext): Promise<StepOutput>;
}

/** "3 deliveries: 200 processed, 200 replayed, 401 signature_invalid" */
export function describeRecords(records: DeliveryRecord[]): string {
  const parts = records.map((record) => {
    if (record.status === 0) return `no answer (${record.entry.error ?? 'network error'})`;
    const body = record.body as { status?: string; error?: { code?: string } } | undefined;
    return `${record.status} ${body?.status ?? body?.error?.code ?? ''}`.trim();
  });
  return `${records.length} ${records.length === 1 ? 'delivery' : 'deliveries'}: ${parts.join(', ')}`;
}
