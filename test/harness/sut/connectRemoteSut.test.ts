import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../../contracts/partners/partnerProfile.js';
import { connectRemoteSut } from '../../../harness/sut/connectRemoteSut.js';
import { ConfigError } from '../../../lib/errors.js';
import { projectPath } from '../../../lib/projectPaths.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEXT_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

let profiles: Map<string, PartnerProfile>;

beforeAll(async () => {
  profiles = await loadPartnerProfiles(projectPath('partners'));
});

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('connectRemoteSut accepted what it should refuse');
}

describe('connectRemoteSut', () => {
  it('reaches a pipeline by URL, signing with the secrets the profiles name', async () => {
    const sut = connectRemoteSut('http://127.0.0.1:8080/', profiles, {
      B2B_P_001_WEBHOOK_SECRET: `${SECRET} ${NEXT_SECRET}`,
    });
    try {
      expect(sut).toMatchObject({ mode: 'remote', url: 'http://127.0.0.1:8080' });
      expect(sut.log).toBeUndefined();
      // While a secret is rotated the first one listed signs; partners without webhooks need none.
      expect([...sut.webhookSecrets]).toEqual([['p_001', SECRET]]);
    } finally {
      await sut.stop();
    }
  });

  it.each(['not a url', '127.0.0.1:8080', ''])('refuses %j as not a URL', (url) => {
    const error = refusal(() => connectRemoteSut(url, profiles, {}));
    expect(error.problems).toEqual([{ file: '--sut', path: '', reason: `"${url}" is not a URL` }]);
  });

  it.each(['ftp://127.0.0.1/', 'file:///tmp/pipeline'])('refuses %s: not http or https', (url) => {
    const error = refusal(() =>
      connectRemoteSut(url, profiles, { B2B_P_001_WEBHOOK_SECRET: SECRET }),
    );
    expect(error.message).toBe(`--sut: "${url}" must be http or https`);
  });

  it.each([{}, { B2B_P_001_WEBHOOK_SECRET: '' }, { B2B_P_001_WEBHOOK_SECRET: '   ' }])(
    'names the variable to set when a partner secret is missing (%j)',
    (env) => {
      const error = refusal(() => connectRemoteSut('http://127.0.0.1:8080', profiles, env));
      expect(error.problems).toEqual([
        {
          file: 'partner p_001',
          path: '/webhook/secret_env',
          reason: 'set B2B_P_001_WEBHOOK_SECRET to the secret the SUT expects',
        },
      ]);
      expect(error.message).toContain('B2B_P_001_WEBHOOK_SECRET');
    },
  );
});
