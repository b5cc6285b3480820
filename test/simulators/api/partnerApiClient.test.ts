import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import { Redactor } from '../../../lib/redact.js';
import { Journal } from '../../../simulators/journal.js';
import type { ApiExchange } from '../../../simulators/api/apiExchange.js';
import { START_MS } from '../../support/pipelineUnderTest.js';
import {
  acmeOrder,
  credentialsIn,
  startApiPartnerWorld,
  type ApiPartnerWorld,
} from './apiPartnerSupport.js';

const PGLITE = { name: 'pglite' as const };

/** What each exchange was, as a partner reads its log: `GET /v1/orders 200`. */
function story(exchanges: readonly ApiExchange[]): string[] {
  return exchanges.map((exchange) => {
    const path = new URL(exchange.entry.request.url).pathname;
    const code = exchange.errorCode ? ` ${exchange.errorCode}` : '';
    return `${exchange.entry.request.method} ${path} ${exchange.status}${code}`;
  });
}

function keepsContract(exchanges: readonly ApiExchange[]): void {
  for (const exchange of exchanges)
    expect(exchange.contractProblems, exchange.correlationId).toEqual([]);
}

describe('PartnerApiClient against the real pipeline', () => {
  let world: ApiPartnerWorld;
  beforeAll(async () => {
    // The journal's redactor is not told the client secret: the client alone must keep it out.
    world = await startApiPartnerWorld(PGLITE, { redactorKnowsSecret: false });
  });
  afterAll(() => world.close());
  // Each test in a rate window of its own (p_001: 50 requests per second).
  beforeEach(() => world.sut.clock.advance(1000));

  it('asks for a token once (HTTP Basic) and reuses it while it is fresh', async () => {
    const client = world.client();
    const first = await client.exportOrders({ limit: 10 });
    const second = await client.exportOrders({ limit: 10 });
    expect(story(first.exchanges)).toEqual(['POST /oauth/token 200', 'GET /v1/orders 200']);
    expect(story(second.exchanges)).toEqual(['GET /v1/orders 200']);
    expect(first.value).toMatchObject({ items: [], has_more: false });
    expect(world.credentialsSeen.at(-3)).toMatch(/^Basic /);
    expect(first.exchanges[0]?.body).toMatchObject({
      token_type: 'Bearer',
      access_token: '[redacted]',
    });
    keepsContract([...first.exchanges, ...second.exchanges]);
  });

  it('renews its token before it expires, so the pipeline never has to refuse one', async () => {
    const mark = world.credentialsSeen.length;
    const client = world.client({ refreshBeforeS: 30 });
    await client.exportOrders({});
    world.sut.clock.advance(269_000);
    expect(story((await client.exportOrders({})).exchanges)).toEqual(['GET /v1/orders 200']);
    world.sut.clock.advance(2_000); // 29 s left of 300: inside the renewal margin
    const renewed = await client.exportOrders({});
    expect(story(renewed.exchanges)).toEqual(['POST /oauth/token 200', 'GET /v1/orders 200']);
    const tokensUsed = world.credentialsSeen
      .slice(mark)
      .filter((seen) => seen.startsWith('Bearer'));
    expect(new Set(tokensUsed).size).toBe(2);
  });

  it('replaces, once, a token the pipeline calls expired although its own clock disagrees', async () => {
    const client = world.client({ clock: new FakeClock(START_MS) });
    await client.exportOrders({});
    world.sut.clock.advance(301_000);
    const outcome = await client.exportOrders({});
    expect(story(outcome.exchanges)).toEqual([
      'GET /v1/orders 401 token_expired',
      'POST /oauth/token 200',
      'GET /v1/orders 200',
    ]);
    expect(outcome.value).toBeDefined();
    keepsContract(outcome.exchanges);
  });

  it('creates an order with an Idempotency-Key; the same key and body again is answered the same', async () => {
    const client = world.client();
    const created = await client.createOrder(acmeOrder('A-1001'), { idempotencyKey: 'key-A-1001' });
    const retried = await client.createOrder(acmeOrder('A-1001'), { idempotencyKey: 'key-A-1001' });
    expect(created.answer.status).toBe(201);
    expect(created.value).toMatchObject({
      effect: 'applied',
      order: { order_id: 'A-1001', total_amount: 1999 },
    });
    expect(retried.answer.status).toBe(201);
    expect(retried.answer.headers['idempotent-replayed']).toBe('true');
    expect(retried.value).toEqual(created.value);
    expect(created.answer.entry.request.headers['Idempotency-Key']).toBe('key-A-1001');
    keepsContract([...created.exchanges, ...retried.exchanges]);
  });

  it('gives each new order a new Idempotency-Key carrying the run id', async () => {
    const client = world.client();
    const one = await client.createOrder(acmeOrder('A-2001'));
    const two = await client.createOrder(acmeOrder('A-2002'));
    const keys = [one, two].map(
      (outcome) => outcome.answer.entry.request.headers['Idempotency-Key'],
    );
    expect(keys[0]).toMatch(/^20260115T120000Z-a11ce5\.A-2001\.\d+$/);
    expect(keys[1]).not.toBe(keys[0]);
    expect([one.answer.status, two.answer.status]).toEqual([201, 201]);
  });

  it('keeps each run’s state apart: two runs of p_001 in one process', async () => {
    const runs = ['20260115T120000Z-aaaaaa', '20260115T120000Z-bbbbbb'].map((runId) => {
      const journal = new Journal();
      return { runId, journal, client: world.client({ runId, journal }) };
    });
    const mark = world.credentialsSeen.length;
    await Promise.all(
      runs.map(async ({ client, runId }) => {
        await client.createOrder(acmeOrder(`${runId}-o1`));
        await client.exportOrders({ limit: 1 });
      }),
    );
    for (const { runId, journal } of runs) {
      const entries = journal.entries();
      expect(
        entries.map((entry) => entry.request.url.split('?')[0]?.replace(/^.*\/\/[^/]+/, '')),
      ).toEqual(['/oauth/token', '/v1/orders', '/v1/orders']);
      for (const entry of entries) {
        expect(entry.run_id).toBe(runId);
        expect(entry.correlation_id.startsWith(`${runId}.api.`)).toBe(true);
      }
      expect(entries[1]?.request.headers['Idempotency-Key']?.startsWith(`${runId}.`)).toBe(true);
    }
    // Each run asked for its own token: nothing is shared between clients.
    expect(
      world.credentialsSeen.slice(mark).filter((seen) => seen.startsWith('Basic')),
    ).toHaveLength(2);
  });

  it.each(['basic', 'form'] as const)(
    'journals every exchange without the secret or a token (client auth %s)',
    async (clientAuth) => {
      const journal = new Journal({ redactor: new Redactor({ piiFields: ['buyer_email'] }) });
      const client = world.client({ clientAuth, journal });
      const outcomes = [
        await client.exportOrders({ limit: 1 }),
        await client.createOrder({
          ...acmeOrder(`A-3001-${clientAuth}`),
          buyer_email: 'jane@acme.example',
        }),
        await client.exportOrders({}, { faults: [{ name: 'forgedToken' }] }),
        await client.exportOrders({}, { faults: [{ name: 'expiredToken' }] }),
        await client.requestToken({ scope: 'orders:read' }),
      ];

      const entries = journal.entries();
      expect(entries.length).toBe(outcomes.flatMap((outcome) => outcome.exchanges).length);
      const text = JSON.stringify(entries);
      const secrets = credentialsIn(world);
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toContain('jane@acme.example');
      const tokenRequest = entries.find((entry) => entry.request.url.endsWith('/oauth/token'));
      expect(tokenRequest?.request.headers.authorization ?? '[redacted]').toBe('[redacted]');
      if (clientAuth === 'form') {
        expect(tokenRequest?.request.body).toContain('client_secret=[redacted]');
        expect(tokenRequest?.request.body).toContain('client_id=acme-orders');
      }
      expect(tokenRequest?.response?.body).toContain('"access_token":"[redacted]"');
    },
  );
});

describe('PartnerApiClient under a small rate limit (3 requests per 60 s)', () => {
  let world: ApiPartnerWorld;
  beforeAll(async () => {
    world = await startApiPartnerWorld(PGLITE, { rateLimit: { requests: 3, per_s: 60 } });
  });
  afterAll(() => world.close());
  beforeEach(() => world.sut.clock.advance(60_000));

  it('waits out a 429 for as long as Retry-After says, then asks again', async () => {
    const client = world.client();
    for (let call = 0; call < 3; call++) await client.exportOrders({});
    const before = world.sut.clock.now();
    const limited = await client.exportOrders({});
    expect(story(limited.exchanges)).toEqual([
      'GET /v1/orders 429 rate_limited',
      'GET /v1/orders 200',
    ]);
    const retryAfter = Number(limited.exchanges[0]?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The fake sleeper moved the shared clock by exactly what the pipeline asked for.
    expect(world.sut.clock.now() - before).toBe(retryAfter * 1000);
    expect(limited.exchanges[0]?.headers).toMatchObject({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '0',
    });
    keepsContract(limited.exchanges);
  });

  it('gives the 429 back once it has waited as often as it may', async () => {
    const client = world.client({ maxRateLimitRetries: 0 });
    for (let call = 0; call < 3; call++) await client.exportOrders({});
    const limited = await client.exportOrders({});
    expect(story(limited.exchanges)).toEqual(['GET /v1/orders 429 rate_limited']);
    expect(limited.value).toBeUndefined();
    expect(limited.answer.status).toBe(429);
  });
});
