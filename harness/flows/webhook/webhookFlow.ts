import type { Flow } from '../flow.js';
import { WEBHOOK_FAULT_KINDS } from './faults/index.js';
import { inboxAbsent } from './oracles/inboxAbsent.js';
import { inboxExactlyOnce } from './oracles/inboxExactlyOnce.js';
import { webhookRedeliver } from './steps/webhookRedeliver.js';
import { webhookSend } from './steps/webhookSend.js';
import { webhookSendRaw } from './steps/webhookSendRaw.js';
import { provisionWebhookSecret, type WebhookSide } from './webhookCredentials.js';
import defs from './webhookDefs.schema.json' with { type: 'json' };
import { webhookReport } from './webhookReport.js';
import { openWebhookSession, type WebhookSession } from './webhookSession.js';

/**
 * Webhooks the partner sends us (client mode): the fake partner signs order events with the
 * shared secret and POSTs them to the pipeline's inbox, misbehaving on request (faults). The
 * secret is provisioned per run; the sender starts per scenario; the inbox's answers are the
 * exchanges; the inbox itself is judged by inbox.exactlyOnce and inbox.absent.
 */
export const webhookFlow: Flow<WebhookSide, WebhookSession> = {
  mode: 'webhook',
  title: 'the partner signs and sends order events to our webhook inbox',
  role: 'client',
  steps: [webhookSend, webhookRedeliver, webhookSendRaw],
  faults: WEBHOOK_FAULT_KINDS,
  oracles: [inboxExactlyOnce, inboxAbsent],
  schemaDefs: defs,
  appliesTo: (profile) => profile.webhook !== undefined,
  provision: provisionWebhookSecret,
  openSession: openWebhookSession,
  report: webhookReport,
};
