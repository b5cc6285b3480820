import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiExchange } from '../../../simulators/api/apiExchange.js';
import { OrderPuller } from '../../../simulators/api/orderPuller.js';
import { acmeOrder, startApiPartnerWorld, type ApiPartnerWorld } from './apiPartnerSupport.js';

/**
 * Each API client fault against the real pipeline (p_001's own profile: tokens of 300 s, 50
 * requests per second): the refusal a partner would see, in the contract's error body, with the
 * contract's headers.
 */
function outcomeOf(exchange: ApiExchange | undefined): string {
  if (!exchange) return 'no exchange';
  return `${exchange.status}${exchange.errorCode ? ` ${exchange.errorCode}` : ''}`;
}

describe('API client faults against the real pipeline', () => {
  let world: ApiPartnerWorld;
  beforeAll(async () => {
    world = await startApiPartnerWorld({ name: 'pglite' });
  });
  afterAll(() => world.close());
  beforeEach(() => world.sut.clock.advance(1000));

  it('expiredToken: a genuine token kept past its expiry is refused as token_expired', async () => {
    const client = world.client();
    const before = world.sut.clock.now();
    const outcome = await client.exportOrders({}, { faults: [{ name: 'expiredToken' }] });
    expect(outcome.exchanges.map(outcomeOf)).toEqual(['200', '401 token_expired']);
    expect(outcome.answer.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    // The wait was modelled on the shared clock: the token's 300 s and a second more.
    expect(world.sut.clock.now() - before).toBe(301_000);
    expect(outcome.answer.contractProblems).toEqual([]);
    // The client's own token was never the one kept: its next call just works.
    expect(outcomeOf((await client.exportOrders({})).answer)).toBe('200');
  });

  it('forgedToken: genuine claims signed with a key of our own are refused as invalid_token', async () => {
    const client = world.client();
    const outcome = await client.exportOrders({}, { faults: [{ name: 'forgedToken' }] });
    expect(outcome.exchanges.map(outcomeOf)).toEqual(['200', '401 invalid_token']);
    expect(outcome.answer.contractProblems).toEqual([]);
    const forged = world.credentialsSeen.at(-1)?.replace(/^Bearer /, '') ?? '';
    expect(outcomeOf((await client.exportOrders({})).answer)).toBe('200');
    const genuine = world.credentialsSeen.at(-1)?.replace(/^Bearer /, '') ?? '';
    // The same header and claims as the token the pipeline issued; only the signature differs.
    expect(forged.split('.').slice(0, 2)).toEqual(genuine.split('.').slice(0, 2));
    expect(forged.split('.')[2]).not.toBe(genuine.split('.')[2]);
  });

  it('wrongScope: a token for orders:read cannot create an order (403 insufficient_scope)', async () => {
    const outcome = await world
      .client()
      .createOrder(acmeOrder('F-scope-1'), { faults: [{ name: 'wrongScope' }] });
    expect(outcome.exchanges.map(outcomeOf)).toEqual(['200', '403 insufficient_scope']);
    expect(outcome.exchanges[0]?.entry.request.body).toContain('scope=orders%3Aread');
    expect(outcome.answer.headers['www-authenticate']).toContain('scope="orders:write"');
    expect(outcome.answer.contractProblems).toEqual([]);
  });

  it('wrongScope with a scope the client was never granted: the token endpoint says invalid_scope', async () => {
    const outcome = await world
      .client()
      .exportOrders({}, { faults: [{ name: 'wrongScope', scope: 'orders:admin' }] });
    expect(outcome.exchanges.map(outcomeOf)).toEqual(['400 invalid_scope']);
    expect(outcome.answer.operation).toBe('issueAccessToken');
    expect(outcome.answer.contractProblems).toEqual([]);
  });

  it('tamperCursor: a pull is refused at its first tampered cursor (400 invalid_cursor)', async () => {
    const client = world.client();
    for (const id of ['F-cursor-1', 'F-cursor-2']) await client.createOrder(acmeOrder(id));
    const pull = await new OrderPuller(client).pull({
      limit: 1,
      faults: [{ name: 'tamperCursor' }],
    });
    expect(pull.stoppedBecause).toBe('refused');
    expect(pull.pages).toHaveLength(1);
    expect(outcomeOf(pull.refusal)).toBe('400 invalid_cursor');
    expect(pull.refusal?.faults).toEqual(['tamperCursor']);
    expect(pull.refusal?.contractProblems).toEqual([]);
  });

  it('replayIdempotencyKey: the same key with another body is refused (422 idempotency_key_reused)', async () => {
    const outcome = await world
      .client()
      .createOrder(acmeOrder('F-replay-1'), { faults: [{ name: 'replayIdempotencyKey' }] });
    expect(outcome.exchanges.map(outcomeOf)).toEqual(['200', '201', '422 idempotency_key_reused']);
    const [, first, replay] = outcome.exchanges;
    expect(replay?.entry.request.headers['Idempotency-Key']).toBe(
      first?.entry.request.headers['Idempotency-Key'],
    );
    expect(JSON.parse(replay?.entry.request.body ?? '{}')).toMatchObject({ total_amount: 2000 });
    expect(outcome.answer.contractProblems).toEqual([]);
  });

  it('replayIdempotencyKey with the same body: the first answer again, marked Idempotent-Replayed', async () => {
    const outcome = await world.client().createOrder(acmeOrder('F-replay-2'), {
      faults: [{ name: 'replayIdempotencyKey', body: 'same' }],
    });
    expect(outcome.exchanges.map(outcomeOf)).toEqual(['200', '201', '201']);
    expect(outcome.answer.headers['idempotent-replayed']).toBe('true');
    expect(outcome.answer.body).toEqual(outcome.exchanges[1]?.body);
    expect(outcome.answer.contractProblems).toEqual([]);
  });

  it('noIdempotencyKey: an order without the key is refused (400 idempotency_key_missing)', async () => {
    const outcome = await world
      .client()
      .createOrder(acmeOrder('F-nokey-1'), { faults: [{ name: 'noIdempotencyKey' }] });
    expect(outcome.exchanges.map(outcomeOf)).toEqual(['200', '400 idempotency_key_missing']);
    expect(Object.keys(outcome.answer.entry.request.headers)).not.toContain('Idempotency-Key');
    expect(outcome.answer.contractProblems).toEqual([]);
  });

  it('burstBeyondRateLimit: 2 × 50 + 1 requests at once, the 51 beyond the budget refused with Retry-After', async () => {
    const before = world.sut.clock.now();
    const outcome = await world
      .client()
      .exportOrders({}, { faults: [{ name: 'burstBeyondRateLimit' }] });
    const pages = outcome.exchanges.filter((exchange) => exchange.operation === 'exportOrders');
    expect(pages).toHaveLength(101);
    // 101 calls needing a token at the same moment made one token request.
    expect(
      outcome.exchanges.filter((exchange) => exchange.operation === 'issueAccessToken'),
    ).toHaveLength(1);
    expect(pages.filter((exchange) => exchange.status === 200)).toHaveLength(50);
    const refused = pages.filter((exchange) => exchange.status === 429);
    expect(refused).toHaveLength(51);
    for (const exchange of refused) {
      expect(exchange.errorCode).toBe('rate_limited');
      expect(exchange.headers['retry-after']).toBe('1');
      expect(exchange.contractProblems).toEqual([]);
    }
    // Nobody waited: the burst does not honour 429, by design of the fault.
    expect(world.sut.clock.now()).toBe(before);
  });
});
