import { ConfigError } from '../../lib/errors.js';
import { OpsClient } from './opsClient.js';
import type { SystemUnderTest } from './systemUnderTest.js';

/**
 * A pipeline someone else runs (`--sut URL`). It is configured already: the flows read the
 * credentials it holds from the variables the profiles name, and certify writes out what else it
 * must be configured with (sut-wiring.json). The ops API token, if it wants one, comes from
 * B2B_OPS_TOKEN.
 */
export function connectRemoteSut(url: string, env: NodeJS.ProcessEnv): SystemUnderTest {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError([{ file: '--sut', path: '', reason: `"${url}" is not a URL` }]);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError([{ file: '--sut', path: '', reason: `"${url}" must be http or https` }]);
  }
  const ops = new OpsClient(parsed.toString().replace(/\/$/, ''), env.B2B_OPS_TOKEN || undefined);
  return {
    mode: 'remote',
    url: ops.baseUrl,
    ops,
    stop: () => ops.close(),
  };
}
