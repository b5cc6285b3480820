import { describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../../contracts/partners/partnerProfile.js';
import { resolveApiClients, type DisabledApiClient } from '../../../../pipeline/api/auth/index.js';
import { ConfigError } from '../../../../lib/errors.js';
import { loadTestProfiles } from '../../../support/pipelineUnderTest.js';

const SECRET = 'a-client-secret-long-enough';

async function acmeWith(api: Partial<NonNullable<PartnerProfile['api']>>) {
  const profiles = await loadTestProfiles();
  const acme = profiles.get('p_001') as PartnerProfile;
  profiles.set('p_001', {
    ...acme,
    api: { ...(acme.api as NonNullable<PartnerProfile['api']>), ...api },
  });
  return profiles;
}

describe('resolveApiClients', () => {
  it("resolves p_001's client with its secret and its partner's policy", async () => {
    const clients = resolveApiClients(await loadTestProfiles(), {
      B2B_P_001_API_CLIENT_SECRET: SECRET,
    });

    const client = clients.get('acme-orders');
    expect(client).toMatchObject({
      partnerId: 'p_001',
      scopes: ['orders:read', 'orders:write'],
      secret: SECRET,
      tokenTtlS: 300,
      rateLimit: { requests: 50, perS: 1 },
    });
    expect(client?.allowlist?.allows('127.0.0.1')).toBe(true);
    expect(client?.allowlist?.allows('::ffff:127.0.0.1')).toBe(true);
    expect(client?.allowlist?.allows('::1')).toBe(true);
    expect(client?.allowlist?.allows('127.0.0.2')).toBe(false);
  });

  it('disables a client whose variable is unset or too short, and says which variable', async () => {
    const profiles = await loadTestProfiles();
    for (const value of [undefined, '', 'short']) {
      const disabled: DisabledApiClient[] = [];
      const clients = resolveApiClients(
        profiles,
        { B2B_P_001_API_CLIENT_SECRET: value },
        (client) => disabled.push(client),
      );

      expect(clients.get('acme-orders')?.secret).toBeUndefined();
      expect(disabled).toEqual([
        {
          partnerId: 'p_001',
          clientId: 'acme-orders',
          variable: 'B2B_P_001_API_CLIENT_SECRET',
          reason: expect.stringContaining('B2B_P_001_API_CLIENT_SECRET'),
        },
      ]);
    }
  });

  it('stops on a client_id used twice and on an allowlist entry that is not an address', async () => {
    const twice = await acmeWith({
      clients: [
        { client_id: 'acme-orders', secret_env: 'A_SECRET', scopes: ['orders:read'] },
        { client_id: 'acme-orders', secret_env: 'B_SECRET', scopes: ['orders:read'] },
      ],
    });
    const badList = await acmeWith({ ip_allowlist: ['10.0.0.0/33', 'acme.example', '::1/128'] });

    expect(() => resolveApiClients(twice, {})).toThrow(ConfigError);
    expect(() => resolveApiClients(twice, {})).toThrow(/\/api\/clients\/1\/client_id/);
    expect(() => resolveApiClients(badList, {})).toThrow(/ip_allowlist\/0: the prefix length/);
    expect(() => resolveApiClients(badList, {})).toThrow(/ip_allowlist\/1: "acme.example"/);
  });
});
