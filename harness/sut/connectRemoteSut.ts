import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { parseSecretList } from '../../contracts/signatures/webhookSecret.js';
import { ConfigError, type DataFileProblem } from '../../lib/errors.js';
import { OpsClient } from './opsClient.js';
import type { SystemUnderTest } from './systemUnderTest.js';

/**
 * A pipeline someone else runs (`--sut URL`). The harness signs as the partners do, so it needs
 * the same secrets the SUT was given: from the environment variables the profiles name. The ops
 * API token, if the SUT wants one, comes from B2B_OPS_TOKEN.
 */
export function connectRemoteSut(
  url: string,
  profiles: Map<string, PartnerProfile>,
  env: NodeJS.ProcessEnv,
): SystemUnderTest {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError([{ file: '--sut', path: '', reason: `"${url}" is not a URL` }]);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError([{ file: '--sut', path: '', reason: `"${url}" must be http or https` }]);
  }
  const webhookSecrets = new Map<string, string>();
  const problems: DataFileProblem[] = [];
  for (const profile of profiles.values()) {
    if (!profile.webhook) continue;
    const [secret] = parseSecretList(env[profile.webhook.secret_env] ?? '');
    if (secret) webhookSecrets.set(profile.partner_id, secret);
    else
      problems.push({
        file: `partner ${profile.partner_id}`,
        path: '/webhook/secret_env',
        reason: `set ${profile.webhook.secret_env} to the secret the SUT expects`,
      });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const ops = new OpsClient(parsed.toString().replace(/\/$/, ''), env.B2B_OPS_TOKEN || undefined);
  return {
    mode: 'remote',
    url: ops.baseUrl,
    ops,
    webhookSecrets,
    stop: () => ops.close(),
  };
}
