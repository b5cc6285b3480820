import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../../../contracts/partners/partnerProfile.js';
import { provisionApiClients } from '../../../../harness/flows/api/apiCredentials.js';
import { openApiSession } from '../../../../harness/flows/api/apiSession.js';
import type { ScenarioContext } from '../../../../harness/run/scenarioContext.js';
import { Journal } from '../../../../simulators/journal.js';
import type { RunSetup } from '../../../../harness/flows/flow.js';
import { provisionPartners } from '../../../../harness/run/provisionPartners.js';
import { sutWiring } from '../../../../harness/sut/sutWiring.js';
import { DEFAULT_CERTIFICATION_TIME } from '../../../../harness/time/certificationTime.js';
import { projectPath } from '../../../../lib/projectPaths.js';

let profiles: Map<string, PartnerProfile>;
let acme: PartnerProfile;

beforeAll(async () => {
  profiles = await loadPartnerProfiles(projectPath('partners'));
  acme = profiles.get('p_001') as PartnerProfile;
});

function run(sut: RunSetup['sut'], env: NodeJS.ProcessEnv = {}): RunSetup {
  return { runId: 'r1', sut, env, time: DEFAULT_CERTIFICATION_TIME };
}

describe('the api flow provisions the client secrets per run', () => {
  it('generates a fresh secret per client for the bundled pipeline, handed over as a secret setting', async () => {
    const [first, second] = await Promise.all([
      provisionApiClients(acme, run('bundled')),
      provisionApiClients(acme, run('bundled')),
    ]);
    const secret = first.side.clients[0]?.secret ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secret).not.toBe(second.side.clients[0]?.secret);
    expect(first.side.clients).toEqual([
      {
        clientId: 'acme-orders',
        secret,
        variable: 'B2B_P_001_API_CLIENT_SECRET',
        scopes: ['orders:read', 'orders:write'],
        secretSource: 'generated for this run and handed to both sides (never written to disk)',
      },
    ]);
    expect(first.settings).toEqual([
      {
        variable: 'B2B_P_001_API_CLIENT_SECRET',
        purpose: "the secret of p_001's API client acme-orders",
        partner_id: 'p_001',
        flow: 'api',
        sensitive: true,
        value: secret,
        source: 'generated',
      },
    ]);
    // The redactor learns it: no evidence file can carry it.
    expect(first.secrets).toEqual([secret]);
    const wiring = sutWiring('r1', DEFAULT_CERTIFICATION_TIME, first.settings, []);
    expect(JSON.stringify(wiring)).not.toContain(secret);
  });

  it("calls a remote SUT with the secret it holds, from the profile's variable", async () => {
    const held = 'the-remote-sut-holds-this-secret';
    const provisioned = await provisionApiClients(
      acme,
      run('remote', { B2B_P_001_API_CLIENT_SECRET: ` ${held}\n` }),
    );
    expect(provisioned.side.clients[0]).toMatchObject({
      secret: held,
      secretSource: 'read from B2B_P_001_API_CLIENT_SECRET',
    });
    expect(provisioned.settings[0]).toMatchObject({ source: 'environment', value: held });
    expect(provisioned.secrets).toEqual([held]);
  });

  it.each([
    [{}, 'not handed over: B2B_P_001_API_CLIENT_SECRET is not set'],
    [
      { B2B_P_001_API_CLIENT_SECRET: 'short' },
      'not handed over: B2B_P_001_API_CLIENT_SECRET is shorter than 16 characters',
    ],
  ])(
    'lets a remote run without the secret certify the other modes, and says why (%j)',
    async (env, source) => {
      const provisioned = await provisionPartners(
        [acme],
        run('remote', { ...env, B2B_P_001_WEBHOOK_SECRET: 'whsec_dGhlIHJlbW90ZSBzdXQgc2VjcmV0' }),
      );
      const side = provisioned.side('p_001', 'api') as Awaited<
        ReturnType<typeof provisionApiClients>
      >['side'];
      expect(side.clients[0]).toMatchObject({ secret: undefined, secretSource: source });
      // The wiring still names the variable the remote SUT needs, with no value.
      expect(provisioned.settings.find((setting) => setting.flow === 'api')).toEqual(
        expect.not.objectContaining({ value: expect.anything() }),
      );
    },
  );

  it('stops an api scenario at its start, naming the variable, when no secret was handed over', async () => {
    const { side } = await provisionApiClients(acme, run('remote'));
    const opening = openApiSession({
      context: { partner: acme } as ScenarioContext,
      side,
      journal: new Journal(),
    });
    await expect(opening).rejects.toThrow(
      'partner p_001 has no API client secret: set B2B_P_001_API_CLIENT_SECRET to the secret the SUT holds',
    );
  });
});
