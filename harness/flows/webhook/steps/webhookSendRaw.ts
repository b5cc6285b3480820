import type { SignatureScheme } from '../../../../contracts/partners/partnerProfile.js';
import type { StepDocument } from '../../../../contracts/scenarios/scenario.js';
import { correlationPrefixFor, eventIdFor } from '../../../run/scenarioContext.js';
import type { StepKind } from '../../stepKind.js';
import { sendRawBody, type WebhookSession } from '../webhookSession.js';
import schema from './webhookSendRaw.schema.json' with { type: 'json' };

type WebhookSendRawStep = StepDocument & {
  body: { text: string } | { size_bytes: number };
  partner_path?: string;
  content_type?: string;
  signed?: boolean;
  scheme?: SignatureScheme;
};

/**
 * Sends what no well-behaved partner would: malformed JSON, an oversized body, the wrong content
 * type, or a delivery addressed to a partner that does not exist. Signed by default, so the
 * receiver must refuse it for what it is, not for a bad signature.
 */
export const webhookSendRaw: StepKind<WebhookSendRawStep, WebhookSession> = {
  kind: 'webhook.sendRaw',
  summary:
    'send a malformed, oversized, mistyped or misaddressed body (signed unless told otherwise)',
  schema,
  async run(step, run) {
    const { context } = run;
    const body =
      'text' in step.body
        ? Buffer.from(step.body.text)
        : Buffer.from(`{"padding":"${'x'.repeat(Math.max(0, step.body.size_bytes - 14))}"}`);
    await sendRawBody(run, {
      body,
      eventId: eventIdFor(context, step.id),
      partnerPath: step.partner_path,
      contentType: step.content_type,
      signed: step.signed,
      scheme: step.scheme,
      correlationPrefix: correlationPrefixFor(context, step.id),
    });
  },
};
