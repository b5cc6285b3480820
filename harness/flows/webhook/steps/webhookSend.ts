import type { SignatureScheme } from '../../../../contracts/partners/partnerProfile.js';
import type { StepDocument } from '../../../../contracts/scenarios/scenario.js';
import type { FaultSpec } from '../../../../simulators/webhook/faults/index.js';
import { correlationPrefixFor } from '../../../run/scenarioContext.js';
import type { StepKind } from '../../stepKind.js';
import { sendEvents, type WebhookSession } from '../webhookSession.js';
import { documentOf, toPartnerEvent, type ScenarioEvent } from './partnerEvents.js';
import schema from './webhookSend.schema.json' with { type: 'json' };

type WebhookSendStep = StepDocument & {
  events: ScenarioEvent[];
  faults?: FaultSpec[];
  scheme?: SignatureScheme;
};

/** The partner signs and sends events, one after another, through the step's faults. */
export const webhookSend: StepKind<WebhookSendStep, WebhookSession> = {
  kind: 'webhook.send',
  summary: 'the partner signs and sends events (in order), through optional faults',
  schema,
  references: (step) => {
    const events = (Array.isArray(step.events) ? step.events : []).map(
      (event) => (event ?? {}) as Record<string, unknown>,
    );
    return {
      sends: {
        events: events.map((event) => event.ref),
        orders: events.map((event) => event.order),
      },
    };
  },
  async run(step, run) {
    const { context } = run;
    const events = step.events.map((event) => {
      const sent = toPartnerEvent(event, context);
      context.documents.file(documentOf(event, sent));
      return sent;
    });
    await sendEvents(run, {
      events,
      faults: step.faults,
      scheme: step.scheme,
      correlationPrefix: correlationPrefixFor(context, step.id),
    });
  },
};
