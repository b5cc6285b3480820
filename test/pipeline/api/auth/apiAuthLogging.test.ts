import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../lib/logger.js';
import type { PipelineUnderTest } from '../../../support/pipelineUnderTest.js';
import { ENGINES } from '../../../support/stores.js';
import {
  accessToken,
  apiTestSetup,
  bearer,
  callApi,
  FULL_CLIENT,
  requestToken,
  startApiPipeline,
  type ApiTestSetup,
} from './apiAuthSupport.js';

/** What an operator reads about the partner API: every refusal, never a credential. */
describe.each(ENGINES)('the partner API log on $name', (engine) => {
  const lines: string[] = [];
  let setup: ApiTestSetup;
  let sut: PipelineUnderTest;

  beforeAll(async () => {
    setup = await apiTestSetup();
    const logger = createLogger({
      name: 'pipeline',
      level: 'info',
      destination: { write: (line: string) => void lines.push(line) },
    });
    sut = await startApiPipeline(engine, setup, { logger });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('names each refusal with partner, client, code and source, and never a secret or token', async () => {
    const wrongSecret = 'an-offered-secret-that-is-wrong';
    await requestToken(sut, FULL_CLIENT, wrongSecret);
    const token = await accessToken(sut, setup, FULL_CLIENT);
    await callApi(sut.url, 'GET', '/v1/probe/read', { headers: bearer(token) });
    sut.clock.advance(3_600_000);
    await callApi(sut.url, 'GET', '/v1/probe/read', { headers: bearer(token) });

    const log = lines.join('');
    const refusals = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record.msg === 'partner API request refused');
    expect(refusals).toEqual([
      expect.objectContaining({
        partner_id: 'p_001',
        client_id: FULL_CLIENT,
        code: 'invalid_client',
        source_address: '127.0.0.1',
        correlation_id: expect.any(String),
      }),
      expect.objectContaining({ code: 'token_expired', route: '/v1/probe/read' }),
    ]);
    expect(log).toContain('partner API access token issued');
    for (const credential of [wrongSecret, setup.secrets.get(FULL_CLIENT) as string, token]) {
      expect(log).not.toContain(credential);
    }
    // Not even a recognisable piece of the token (its signature).
    expect(log).not.toContain(token.split('.')[2] as string);
  });
});
