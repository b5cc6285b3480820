import type { PartnerProfile } from '../contracts/partners/partnerProfile.js';
import { parseSecretList, standardWebhooksKey } from '../contracts/signatures/webhookSecret.js';
import { ConfigError, type DataFileProblem } from '../lib/errors.js';
import { REQUIRED_ORDER_FIELDS } from './orders/orderSnapshot.js';

/**
 * Each webhook partner's secrets, read from the environment variable its profile names. A partner
 * whose secret is missing or unusable stops the pipeline at start, with the variable named:
 * better than answering every one of its webhooks with 401.
 */
export function resolvePartnerSecrets(
  profiles: Map<string, PartnerProfile>,
  env: Record<string, string | undefined>,
): Map<string, string[]> {
  const secrets = new Map<string, string[]>();
  const problems: DataFileProblem[] = [];
  for (const profile of profiles.values()) {
    if (!profile.webhook) continue;
    const variable = profile.webhook.secret_env;
    const list = parseSecretList(env[variable] ?? '');
    if (list.length === 0) {
      problems.push({
        file: `partner ${profile.partner_id}`,
        path: '/webhook/secret_env',
        reason: `environment variable ${variable} is not set`,
      });
      continue;
    }
    for (const secret of list) {
      try {
        standardWebhooksKey(secret);
      } catch (error) {
        problems.push({
          file: `partner ${profile.partner_id}`,
          path: '/webhook/secret_env',
          reason: `${variable}: ${(error as Error).message}`,
        });
      }
    }
    const mapped = new Set((profile.field_mapping?.order ?? []).map((rule) => rule.ours));
    const missing = REQUIRED_ORDER_FIELDS.filter((field) => !mapped.has(field));
    if (missing.length > 0) {
      problems.push({
        file: `partner ${profile.partner_id}`,
        path: '/field_mapping/order',
        reason: `must map ${missing.join(', ')} for order webhooks`,
      });
    }
    secrets.set(profile.partner_id, list);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return secrets;
}
