import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../lib/errors.js';
import { resolveApiClients } from '../../../../pipeline/api/auth/index.js';
import {
  loadTestProfiles,
  startPipelineUnderTest,
  type PipelineUnderTest,
} from '../../../support/pipelineUnderTest.js';

const SECRET = 'a-client-secret-long-enough';

async function ttlAt(scale: string | undefined): Promise<number | undefined> {
  const clients = resolveApiClients(await loadTestProfiles(), {
    B2B_P_001_API_CLIENT_SECRET: SECRET,
    B2B_CERTIFICATION_TIME_SCALE: scale,
  });
  return clients.get('acme-orders')?.tokenTtlS;
}

// A certification run proves a token kept past its expiry is refused: the pipeline issues tokens
// whose lifetime runs at the run's time scale, in whole seconds (contracts/ops/sutWiring.ts).
describe('access token lifetime at the certification time scale', () => {
  it.each([
    [undefined, 300],
    ['1', 300],
    ['0.1', 30],
    ['0.01', 3],
    ['0.001', 2],
    ['0.000001', 2],
  ])('B2B_CERTIFICATION_TIME_SCALE=%s: p_001 tokens live %i s', async (scale, seconds) => {
    expect(await ttlAt(scale)).toBe(seconds);
  });

  it.each(['0', '2', 'fast', '-0.5'])(
    'refuses a scale of %s, naming the variable',
    async (scale) => {
      const error = await ttlAt(scale).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        {
          file: 'environment',
          path: 'B2B_CERTIFICATION_TIME_SCALE',
          reason: expect.stringContaining('must be a number above 0 and at most 1'),
        },
      ]);
    },
  );

  describe('on the wire', () => {
    let sut: PipelineUnderTest;
    beforeAll(async () => {
      const profiles = await loadTestProfiles();
      sut = await startPipelineUnderTest(
        { name: 'pglite' },
        {
          profiles,
          apiClients: resolveApiClients(profiles, {
            B2B_P_001_API_CLIENT_SECRET: SECRET,
            B2B_CERTIFICATION_TIME_SCALE: '0.001',
          }),
        },
      );
    });
    afterAll(async () => {
      await sut?.close();
    });

    it('says expires_in 2, serves the token within it and refuses it as expired after', async () => {
      const basic = Buffer.from(`acme-orders:${SECRET}`).toString('base64');
      const issued = await sut.post('/oauth/token', 'grant_type=client_credentials', {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(issued.json).toMatchObject({ token_type: 'Bearer', expires_in: 2 });
      const bearer = {
        authorization: `Bearer ${(issued.json as { access_token: string }).access_token}`,
      };

      sut.clock.advance(1000);
      expect((await sut.get('/v1/orders?limit=1', bearer)).status).toBe(200);
      sut.clock.advance(1000);
      const expired = await sut.get('/v1/orders?limit=1', bearer);
      expect(expired.status).toBe(401);
      expect(expired.json).toMatchObject({ error: { code: 'token_expired' } });
    });
  });
});
