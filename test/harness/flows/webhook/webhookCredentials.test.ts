import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../../../contracts/partners/partnerProfile.js';
import { parseSecretList } from '../../../../contracts/signatures/webhookSecret.js';
import type { RunSetup } from '../../../../harness/flows/flow.js';
import { provisionWebhookSecret } from '../../../../harness/flows/webhook/webhookCredentials.js';
import { provisionPartners } from '../../../../harness/run/provisionPartners.js';
import { sutWiring } from '../../../../harness/sut/sutWiring.js';
import { DEFAULT_CERTIFICATION_TIME } from '../../../../harness/time/certificationTime.js';
import { ConfigError } from '../../../../lib/errors.js';
import { projectPath } from '../../../../lib/projectPaths.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEXT_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

let profiles: Map<string, PartnerProfile>;
let acme: PartnerProfile;

beforeAll(async () => {
  profiles = await loadPartnerProfiles(projectPath('partners'));
  acme = profiles.get('p_001') as PartnerProfile;
});

function run(sut: RunSetup['sut'], env: NodeJS.ProcessEnv = {}, runId = 'r1'): RunSetup {
  return { runId, sut, env, time: DEFAULT_CERTIFICATION_TIME };
}

describe('the webhook flow provisions a secret per run', () => {
  it('generates a fresh one for the bundled pipeline, handed over as a secret setting', async () => {
    const [first, second] = await Promise.all([
      provisionWebhookSecret(acme, run('bundled', {}, 'r1')),
      provisionWebhookSecret(acme, run('bundled', {}, 'r2')),
    ]);
    expect(first?.side.secret).toMatch(/^whsec_/);
    // Two runs in one process never share a partner's secret.
    expect(first?.side.secret).not.toBe(second?.side.secret);
    expect(first?.settings).toEqual([
      expect.objectContaining({
        variable: 'B2B_P_001_WEBHOOK_SECRET',
        partner_id: 'p_001',
        flow: 'webhook',
        sensitive: true,
        value: first?.side.secret,
        source: 'generated',
      }),
    ]);
    expect(first?.secrets).toEqual([first?.side.secret]);
  });

  it("signs for a remote SUT with the secret it holds, from the profile's variable", async () => {
    const provisioned = await provisionWebhookSecret(
      acme,
      run('remote', { B2B_P_001_WEBHOOK_SECRET: `${SECRET} ${NEXT_SECRET}` }),
    );
    // While a secret is rotated the first one listed signs; every one is masked in the evidence.
    expect(provisioned.side).toEqual({
      secret: SECRET,
      secretSource: 'read from B2B_P_001_WEBHOOK_SECRET',
    });
    expect(provisioned.secrets).toEqual(parseSecretList(`${SECRET} ${NEXT_SECRET}`));
    expect(provisioned.settings[0]).toMatchObject({ source: 'environment', sensitive: true });
  });

  it.each([{}, { B2B_P_001_WEBHOOK_SECRET: '' }, { B2B_P_001_WEBHOOK_SECRET: '   ' }])(
    'names the variable to set when a remote SUT secret is missing (%j)',
    async (env) => {
      const error = await provisionPartners(profiles.values(), run('remote', env)).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        {
          file: 'partner p_001',
          path: '/webhook/secret_env',
          reason: 'set B2B_P_001_WEBHOOK_SECRET to the secret the SUT expects',
        },
      ]);
    },
  );

  it('provisions only the partners that have the mode, keyed by partner and flow', async () => {
    const provisioned = await provisionPartners(profiles.values(), run('bundled'));
    expect(provisioned.has('p_001', 'webhook')).toBe(true);
    // Globex and Initech have no webhooks; modes without a flow yet (sftp, edi) provision nothing.
    expect(provisioned.has('p_002', 'sftp')).toBe(false);
    expect(
      provisioned.settings
        .filter((setting) => setting.flow === 'webhook')
        .map((setting) => setting.variable),
    ).toEqual(['B2B_P_001_WEBHOOK_SECRET']);
    await provisioned.stop();
  });

  it('never writes a secret into the wiring it hands an operator', async () => {
    const provisioned = await provisionPartners(profiles.values(), run('bundled'));
    const wiring = sutWiring('r1', DEFAULT_CERTIFICATION_TIME, provisioned.settings, []);
    expect(JSON.stringify(wiring)).not.toContain('whsec_');
    expect(wiring.settings.find((setting) => setting.flow === 'webhook')).toEqual({
      variable: 'B2B_P_001_WEBHOOK_SECRET',
      purpose: 'the shared secret p_001 signs its webhooks with',
      partner_id: 'p_001',
      flow: 'webhook',
      sensitive: true,
      source: 'generated',
    });
  });
});
