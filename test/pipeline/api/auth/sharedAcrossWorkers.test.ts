import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineUnderTest } from '../../../support/pipelineUnderTest.js';
import { ENGINES } from '../../../support/stores.js';
import {
  accessToken,
  apiTestSetup,
  bearer,
  BUDGET,
  BUDGET_CLIENT,
  callApi,
  FULL_CLIENT,
  requestToken,
  startApiPipeline,
  type ApiTestSetup,
} from './apiAuthSupport.js';

const WINDOW_MS = BUDGET.per_s * 1000;

/**
 * Two pipelines over one store, as `--workers 2` runs them: the token one issued is good on the
 * other, and the client's budget is one budget. On PostgreSQL each has its own connection; on
 * PGlite (one connection) they share it, which still shows that nothing lives in the process.
 */
describe.each(ENGINES)('two pipelines on one store on $name', (engine) => {
  let setup: ApiTestSetup;
  let first: PipelineUnderTest;
  let second: PipelineUnderTest;
  const probe = (sut: PipelineUnderTest, token: string) =>
    callApi(sut.url, 'GET', '/v1/probe/read', { headers: bearer(token) });

  beforeAll(async () => {
    setup = await apiTestSetup();
    first = await startApiPipeline(engine, setup);
    const sibling = engine.databaseUrl
      ? await first.testStore.openSibling()
      : first.testStore.store;
    second = await startApiPipeline(engine, setup, {
      testStore: { ...first.testStore, store: sibling },
    });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('sign with one key, made once even when both ask for it at the same moment', async () => {
    const [fromFirst, fromSecond] = await Promise.all([
      requestToken(first, FULL_CLIENT, setup.secrets.get(FULL_CLIENT) as string),
      requestToken(second, FULL_CLIENT, setup.secrets.get(FULL_CLIENT) as string),
    ]);
    const tokenOf = (answer: typeof fromFirst) =>
      (answer.json as { access_token: string }).access_token;

    expect([fromFirst.status, fromSecond.status]).toEqual([200, 200]);
    expect((await probe(second, tokenOf(fromFirst))).status).toBe(200);
    expect((await probe(first, tokenOf(fromSecond))).status).toBe(200);
    const keys = await first.store.query('SELECT kid FROM api_signing_keys');
    expect(keys).toHaveLength(1);
  });

  it('share the rate-limit counter', async () => {
    const windowStart = Math.floor(first.clock.now() / WINDOW_MS) * WINDOW_MS + WINDOW_MS;
    first.clock.set(windowStart);
    second.clock.set(windowStart);
    const token = await accessToken(first, setup, BUDGET_CLIENT);

    const answers = [];
    for (const sut of [first, second, first, second]) answers.push(await probe(sut, token));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3]?.headers['retry-after']).toBe('60');
  });

  it('allow exactly the budget to requests racing on both at once', async () => {
    const windowStart = Math.floor(first.clock.now() / WINDOW_MS) * WINDOW_MS + WINDOW_MS;
    first.clock.set(windowStart);
    second.clock.set(windowStart);
    const token = await accessToken(first, setup, BUDGET_CLIENT);

    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => probe(i % 2 === 0 ? first : second, token)),
    );

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(BUDGET.requests);
    expect(statuses.filter((status) => status === 429)).toHaveLength(12 - BUDGET.requests);
  });
});
