import type { SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import type { StepDocument } from '../../contracts/scenarios/scenario.js';
import type { FaultSpec } from '../../simulators/webhook/faults/index.js';
import type { PartnerEvent } from '../../simulators/webhook/partnerEvent.js';
import { correlationPrefixFor } from '../run/scenarioContext.js';
import { describeRecords, type StepKind } from './stepKind.js';

type WebhookRedeliverStep = StepDocument & {
  of: string;
  faults?: FaultSpec[];
  scheme?: SignatureScheme;
};

/**
 * The partner sends the events of an earlier step again: the same bytes, a fresh signature. This
 * is a sender's retry, or an ops-triggered replay of the same event id.
 */
export const webhookRedeliver: StepKind<WebhookRedeliverStep> = {
  kind: 'webhook.redeliver',
  summary: "the partner sends an earlier step's events again, same bytes, freshly signed",
  async run(step, context) {
    const earlier = context.deliveries.get(step.of) ?? [];
    const eventIds = [...new Set(earlier.map((record) => record.eventId))];
    const events = eventIds
      .map((eventId) => [...context.sentEvents.values()].find((event) => event.eventId === eventId))
      .filter((event): event is PartnerEvent => event !== undefined);
    if (events.length === 0) throw new Error(`step "${step.of}" sent no events to redeliver`);
    const records = await context.sender.send({
      events,
      faults: step.faults,
      scheme: step.scheme,
      correlationPrefix: correlationPrefixFor(context, step.id),
    });
    return { records, summary: describeRecords(records) };
  },
};
