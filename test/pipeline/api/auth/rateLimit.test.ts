import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asErrorBody, type PipelineUnderTest } from '../../../support/pipelineUnderTest.js';
import { ENGINES } from '../../../support/stores.js';
import {
  accessToken,
  apiTestSetup,
  bearer,
  BUDGET,
  BUDGET_CLIENT,
  callApi,
  startApiPipeline,
  type ApiTestSetup,
} from './apiAuthSupport.js';

const WINDOW_MS = BUDGET.per_s * 1000;

/** Moves the clock to the start of the next rate window, so a test starts with a fresh budget. */
function toNextWindow(sut: PipelineUnderTest): number {
  const start = Math.floor(sut.clock.now() / WINDOW_MS) * WINDOW_MS + WINDOW_MS;
  sut.clock.set(start);
  return start;
}

describe.each(ENGINES)('rateLimit on $name', (engine) => {
  let setup: ApiTestSetup;
  let sut: PipelineUnderTest;
  const probe = (token: string) =>
    callApi(sut.url, 'GET', '/v1/probe/read', { headers: bearer(token) });

  beforeAll(async () => {
    setup = await apiTestSetup();
    sut = await startApiPipeline(engine, setup);
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('allows the budget, answers 429 with Retry-After beyond it, and allows again in the next window', async () => {
    const windowStart = toNextWindow(sut);
    const token = await accessToken(sut, setup, BUDGET_CLIENT);

    const allowed = [];
    for (let i = 0; i < BUDGET.requests; i += 1) allowed.push(await probe(token));
    const refused = await probe(token);
    sut.clock.advance(20_000);
    const stillRefused = await probe(token);
    sut.clock.advance(40_000);
    const nextWindow = await probe(token);

    expect(allowed.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(allowed.map((answer) => answer.headers['ratelimit-remaining'])).toEqual(['2', '1', '0']);
    expect(allowed[0]?.headers['ratelimit-limit']).toBe('3');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['ratelimit-reset']).toBe('60');
    expect(refused.headers['x-ratelimit-reset']).toBe(String((windowStart + WINDOW_MS) / 1000));
    expect(asErrorBody(refused.json).error).toMatchObject({
      code: 'rate_limited',
      category: 'rate_limited',
      message_id: 'API-429',
    });
    expect([stillRefused.status, stillRefused.headers['retry-after']]).toEqual([429, '40']);
    expect(nextWindow.status).toBe(200);
    expect(nextWindow.headers['ratelimit-remaining']).toBe('2');
  });

  it('counts per client: one client over its budget leaves the others theirs', async () => {
    toNextWindow(sut);
    const budgetToken = await accessToken(sut, setup, BUDGET_CLIENT);
    for (let i = 0; i <= BUDGET.requests; i += 1) await probe(budgetToken);

    const other = await probe(await accessToken(sut, setup, 'acme-orders'));

    expect((await probe(budgetToken)).status).toBe(429);
    expect(other.status).toBe(200);
  });

  it('does not count requests refused before the limiter (no token, wrong scope)', async () => {
    toNextWindow(sut);
    const token = await accessToken(sut, setup, BUDGET_CLIENT);
    for (let i = 0; i < 5; i += 1) {
      await callApi(sut.url, 'GET', '/v1/probe/read');
      await callApi(sut.url, 'GET', '/v1/probe/write', { headers: bearer(token) });
    }

    const answer = await probe(token);

    expect(answer.status).toBe(200);
    expect(answer.headers['ratelimit-remaining']).toBe('2');
  });
});
