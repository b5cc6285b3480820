import type { SignatureScheme } from '../../../../contracts/partners/partnerProfile.js';
import type { StepDocument } from '../../../../contracts/scenarios/scenario.js';
import type { FaultSpec } from '../../../../simulators/webhook/faults/index.js';
import type { PartnerEvent } from '../../../../simulators/webhook/partnerEvent.js';
import { correlationPrefixFor } from '../../../run/scenarioContext.js';
import type { StepKind } from '../../stepKind.js';
import { sendEvents, type WebhookSession } from '../webhookSession.js';
import schema from './webhookRedeliver.schema.json' with { type: 'json' };

type WebhookRedeliverStep = StepDocument & {
  of: string;
  faults?: FaultSpec[];
  scheme?: SignatureScheme;
};

/**
 * The partner sends the events of an earlier step again: the same bytes, a fresh signature. This
 * is a sender's retry, or an ops-triggered replay of the same event id.
 */
export const webhookRedeliver: StepKind<WebhookRedeliverStep, WebhookSession> = {
  kind: 'webhook.redeliver',
  summary: "the partner sends an earlier step's events again, same bytes, freshly signed",
  schema,
  references: (step) => ({ earlierSteps: [['of', step.of]] }),
  async run(step, run) {
    const { context, session } = run;
    // The earlier step's events, in the order it first sent them (a storm is read, not held).
    const eventIds = new Set<string>();
    for await (const exchange of context.exchanges.read(step.of))
      if (exchange.message_id !== undefined) eventIds.add(exchange.message_id);
    const events = [...eventIds]
      .map((eventId) => session.sentEvents.get(eventId))
      .filter((event): event is PartnerEvent => event !== undefined);
    if (events.length === 0) throw new Error(`step "${step.of}" sent no events to redeliver`);
    await sendEvents(run, {
      events,
      faults: step.faults,
      scheme: step.scheme,
      correlationPrefix: correlationPrefixFor(context, step.id),
    });
  },
};
