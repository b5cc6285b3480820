import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import {
  generateWebhookSecret,
  parseSecretList,
} from '../../../contracts/signatures/webhookSecret.js';
import { ConfigError } from '../../../lib/errors.js';
import type { Provisioned, RunSetup } from '../flow.js';

/** What the webhook flow holds for one partner over a run. */
export interface WebhookSide {
  /** The secret the fake partner signs with: the one the SUT holds. */
  secret: string;
  /** How the secret was obtained, for the report's connectivity detail. */
  secretSource: string;
}

/**
 * The partner's webhook secret for a run. For the bundled pipeline a fresh one is generated and
 * handed to both sides (the pipeline in its environment, the sender in memory), never written to
 * disk. A remote pipeline already holds its secret: the operator hands the same one over in the
 * variable the profile names.
 */
export async function provisionWebhookSecret(
  partner: PartnerProfile,
  run: RunSetup,
): Promise<Provisioned<WebhookSide>> {
  const webhook = partner.webhook;
  if (!webhook) throw new Error(`partner ${partner.partner_id} has no webhook block`);
  const setting = {
    variable: webhook.secret_env,
    purpose: `the shared secret ${partner.partner_id} signs its webhooks with`,
    partner_id: partner.partner_id,
    flow: 'webhook',
    sensitive: true,
  };
  if (run.sut === 'bundled') {
    const secret = generateWebhookSecret();
    return {
      side: {
        secret,
        secretSource: 'generated for this run and handed to both sides (never written to disk)',
      },
      settings: [{ ...setting, value: secret, source: 'generated' }],
      secrets: [secret],
      servers: [],
    };
  }
  // During a rotation the variable lists several secrets: the partner signs with the first, and
  // every one of them is masked in the evidence.
  const secrets = parseSecretList(run.env[webhook.secret_env] ?? '');
  const [secret] = secrets;
  if (!secret)
    throw new ConfigError([
      {
        file: `partner ${partner.partner_id}`,
        path: '/webhook/secret_env',
        reason: `set ${webhook.secret_env} to the secret the SUT expects`,
      },
    ]);
  return {
    side: { secret, secretSource: `read from ${webhook.secret_env}` },
    settings: [{ ...setting, value: secret, source: 'environment' }],
    secrets,
    servers: [],
  };
}
