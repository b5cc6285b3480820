import type { SignatureScheme } from '../../contracts/partners/partnerProfile.js';
import type { StepDocument } from '../../contracts/scenarios/scenario.js';
import type { FaultSpec } from '../../simulators/webhook/faults/index.js';
import { correlationPrefixFor } from '../run/scenarioContext.js';
import { toPartnerEvent, type ScenarioEvent } from './partnerEvents.js';
import { describeRecords, type StepKind } from './stepKind.js';

type WebhookSendStep = StepDocument & {
  events: ScenarioEvent[];
  faults?: FaultSpec[];
  scheme?: SignatureScheme;
};

/** The partner signs and sends events, one after another, through the step's faults. */
export const webhookSend: StepKind<WebhookSendStep> = {
  kind: 'webhook.send',
  summary: 'the partner signs and sends events (in order), through optional faults',
  async run(step, context) {
    const events = step.events.map((event) => {
      const partnerEvent = toPartnerEvent(event, context);
      context.sentEvents.set(event.ref, partnerEvent);
      return partnerEvent;
    });
    const records = await context.sender.send({
      events,
      faults: step.faults,
      scheme: step.scheme,
      correlationPrefix: correlationPrefixFor(context, step.id),
    });
    return { records, summary: describeRecords(records) };
  },
};
