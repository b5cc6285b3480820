import type { PartnerEvent } from '../../../simulators/webhook/partnerEvent.js';
import {
  WebhookSender,
  type RawSendRequest,
  type SendRequest,
} from '../../../simulators/webhook/webhookSender.js';
import type { FlowSession, ScenarioSetup } from '../flow.js';
import type { StepRun } from '../stepKind.js';
import type { WebhookSide } from './webhookCredentials.js';
import { webhookExchange } from './webhookExchange.js';

/** The webhook flow's partner side for one scenario: a sender, and the events it has sent. */
export interface WebhookSession {
  partnerId: string;
  sender: WebhookSender;
  /** Every event sent so far, by event id: a redelivery sends the same bytes again. */
  sentEvents: Map<string, PartnerEvent>;
}

/**
 * A sender per scenario, signing with the partner's secret, aimed at the SUT's inbox for the
 * partner, recording into the scenario's journal. Its randomness forks from the scenario's, so a
 * rerun with the same seed sends the same bytes.
 */
export async function openWebhookSession(
  setup: ScenarioSetup<WebhookSide>,
): Promise<FlowSession<WebhookSession>> {
  const { context } = setup;
  const partnerId = context.partner.partner_id;
  const sender = new WebhookSender({
    runId: context.runId,
    partnerId,
    target: `${context.sut.url}/webhooks/${encodeURIComponent(partnerId)}`,
    secret: setup.side.secret,
    windowS: context.partner.webhook?.window_s ?? 300,
    clock: context.clock,
    random: context.random.fork('sender'),
    journal: setup.journal,
  });
  return {
    session: { partnerId, sender, sentEvents: new Map() },
    close: () => sender.close(),
  };
}

/** Sends events through faults, recording each delivery as it lands, a wave at a time. */
export async function sendEvents(
  run: StepRun<WebhookSession>,
  request: SendRequest,
): Promise<void> {
  const { session } = run;
  for (const event of request.events) session.sentEvents.set(event.eventId, event);
  for await (const wave of session.sender.waves(request))
    for (const record of wave) await run.record(webhookExchange(record, session.partnerId));
}

/** Sends one body that is not a well-formed event, and records the delivery. */
export async function sendRawBody(
  run: StepRun<WebhookSession>,
  request: RawSendRequest,
): Promise<void> {
  const record = await run.session.sender.sendRaw(request);
  await run.record(webhookExchange(record, run.session.partnerId));
}
