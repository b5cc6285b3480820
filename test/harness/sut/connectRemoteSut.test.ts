import { describe, expect, it } from 'vitest';
import { connectRemoteSut } from '../../../harness/sut/connectRemoteSut.js';
import { ConfigError } from '../../../lib/errors.js';

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('connectRemoteSut accepted what it should refuse');
}

// The credentials a remote SUT holds are the flows' business (test/harness/flows/webhook/
// webhookCredentials.test.ts); reaching it is only a URL and the ops token.
describe('connectRemoteSut', () => {
  it('reaches a pipeline by URL, with no log of its own to read', async () => {
    const sut = connectRemoteSut('http://127.0.0.1:8080/', {});
    try {
      expect(sut).toMatchObject({ mode: 'remote', url: 'http://127.0.0.1:8080' });
      expect(sut.log).toBeUndefined();
    } finally {
      await sut.stop();
    }
  });

  it.each(['not a url', '127.0.0.1:8080', ''])('refuses %j as not a URL', (url) => {
    const error = refusal(() => connectRemoteSut(url, {}));
    expect(error.problems).toEqual([{ file: '--sut', path: '', reason: `"${url}" is not a URL` }]);
  });

  it.each(['ftp://127.0.0.1/', 'file:///tmp/pipeline'])('refuses %s: not http or https', (url) => {
    const error = refusal(() => connectRemoteSut(url, {}));
    expect(error.message).toBe(`--sut: "${url}" must be http or https`);
  });
});
