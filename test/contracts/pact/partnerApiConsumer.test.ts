import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { format, resolveConfig } from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import { OrderPuller } from '../../../simulators/api/orderPuller.js';
import {
  PartnerApiClient,
  type PartnerApiClientOptions,
} from '../../../simulators/api/partnerApiClient.js';
import { clockSleeper } from '../../../simulators/api/sleeper.js';
import { Journal } from '../../../simulators/journal.js';
import {
  BOTH_SCOPES,
  CLIENT_ID,
  CONSUMER,
  EXAMPLE_CURSOR,
  EXAMPLE_SECRET,
  EXAMPLE_TOKEN,
  FORGED_TOKEN,
  PACT_FILE,
  PROVIDER,
  READ_ONLY_TOKEN,
  READ_SCOPE,
  STATES,
  WRONG_SECRET,
  basicCredentials,
} from './partnerApiPact.js';

const { regex, integer, like, eachLike, fromProviderState } = MatchersV3;

// Pact's V4 builder types are not exported by name.
type Interaction = ReturnType<PactV4['addInteraction']>;
type RequestBuilder = Parameters<NonNullable<Parameters<Interaction['withRequest']>[2]>>[0];

/**
 * The partner API's pact, from the partner's side: the simulator's real client code
 * (PartnerApiClient, OrderPuller, its faults) against Pact's mock server. Written to a temporary
 * folder, then to contracts/pacts/ when it changed; in CI a changed pact fails instead, so the
 * committed file is always the one the tests make.
 */
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = regex('^application/json(;.*)?$', 'application/json; charset=utf-8');
const BEARER = (token: string) => regex('^Bearer [A-Za-z0-9._~+/-]+=*$', `Bearer ${token}`);
const TIME = '2026-01-15T12:00:01.000Z';
const UTC_TIME = (example: string) =>
  regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$', example);
const NUMBER_HEADER = (example: string) => regex('^[0-9]+$', example);

function tokenForm(scope: string): string {
  return new URLSearchParams({ grant_type: 'client_credentials', scope }).toString();
}

/**
 * A form body, as text. The V4 builder's body() sends it as binary, which the mock server then
 * refuses to compare as a form (the form content type is not "detected" in the bytes; see
 * pact-js #767); the FFI interaction underneath takes it as a text body of that content type.
 */
function withFormBody(request: RequestBuilder, form: string): RequestBuilder {
  (
    request as unknown as {
      interaction: { withRequestBody(body: string, contentType: string): void };
    }
  ).interaction.withRequestBody(form, FORM);
  return request;
}

function errorBody(code: string, category: string, messageId: string) {
  return {
    error: {
      code,
      category,
      message_id: regex('^[A-Z]{3}-[0-9]{3}$', messageId),
      message: like('What went wrong, for people.'),
      correlation_id: like('pact.api.1'),
    },
  };
}

function order(orderId: string, totalAmount: number, eventId: string) {
  return {
    order_id: orderId,
    status: regex('^(open|cancelled)$', 'open'),
    total_amount: integer(totalAmount),
    currency: 'EUR',
    updated_at: UTC_TIME(TIME),
    event_id: like(eventId),
  };
}

const RATE_HEADERS = {
  'RateLimit-Limit': NUMBER_HEADER('50'),
  'RateLimit-Remaining': NUMBER_HEADER('49'),
  'RateLimit-Reset': NUMBER_HEADER('1'),
};

/** POST /oauth/token for `scope`, answered with `token`. */
function tokenInteraction(pact: PactV4, scope: string, token: string): void {
  pact
    .addInteraction()
    .given(STATES.client)
    .uponReceiving(`a token request for ${scope}, the client authenticated with HTTP Basic`)
    .withRequest('POST', '/oauth/token', (request) =>
      withFormBody(
        request.headers({
          'Content-Type': FORM,
          Authorization: basicCredentials(CLIENT_ID, EXAMPLE_SECRET),
        }),
        tokenForm(scope),
      ),
    )
    .willRespondWith(200, (response) =>
      response.headers({ 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }).jsonBody({
        access_token: regex('^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$', token),
        token_type: 'Bearer',
        expires_in: integer(300),
        scope,
      }),
    );
}

describe('the partner API pact, consumer side (simulators/api client)', () => {
  let folder: string;
  let pact: PactV4;
  const clients: PartnerApiClient[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'b2b-pact-'));
    pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: folder, logLevel: 'error' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await rm(folder, { recursive: true, force: true });
  });

  function client(baseUrl: string, overrides: Partial<PartnerApiClientOptions> = {}) {
    const clock = new FakeClock(Date.parse(TIME));
    const made = new PartnerApiClient({
      runId: 'pact',
      partnerId: 'p_001',
      baseUrl,
      clientId: CLIENT_ID,
      clientSecret: EXAMPLE_SECRET,
      scope: BOTH_SCOPES,
      clock,
      sleeper: clockSleeper(clock),
      journal: new Journal(),
      rateLimit: { requests: 50, perS: 1 },
      ...overrides,
    });
    clients.push(made);
    return made;
  }

  /** The interaction, `.given(state)` already said. */
  function given(state: string): Interaction {
    return pact.addInteraction().given(state);
  }

  it('pulls the order export page after page, following next_cursor', async () => {
    tokenInteraction(pact, BOTH_SCOPES, EXAMPLE_TOKEN);
    given(STATES.twoOrders)
      .uponReceiving('the first page of the order export, one order per page')
      .withRequest('GET', '/v1/orders', (request) =>
        request.query({ limit: '1' }).headers({ Authorization: BEARER(EXAMPLE_TOKEN) }),
      )
      .willRespondWith(200, (response) =>
        response.headers({ 'Content-Type': JSON_TYPE, ...RATE_HEADERS }).jsonBody({
          items: eachLike(order('pact-order-1', 1001, 'api.7c9e6679-7425-40de-944b-e07fc1f90ae7')),
          next_cursor: like(EXAMPLE_CURSOR),
          has_more: true,
        }),
      );
    await given(STATES.firstPageRead)
      .uponReceiving('the next page of the order export, from the first page’s cursor')
      .withRequest('GET', '/v1/orders', (request) =>
        request
          .query({ cursor: fromProviderState('${cursor}', EXAMPLE_CURSOR), limit: '1' })
          .headers({ Authorization: BEARER(EXAMPLE_TOKEN) }),
      )
      .willRespondWith(200, (response) =>
        response.headers({ 'Content-Type': JSON_TYPE, ...RATE_HEADERS }).jsonBody({
          items: eachLike(order('pact-order-2', 1002, 'api.9b2d1a4e-1c8f-4e5b-8f0a-3d6c2e1b7a90')),
          next_cursor: like(EXAMPLE_CURSOR),
          has_more: false,
        }),
      )
      .executeTest(async (mock) => {
        const pull = await new OrderPuller(client(mock.url)).pull({ limit: 1 });
        expect(pull.stoppedBecause).toBe('drained');
        expect(pull.items.map((item) => item.order_id)).toEqual(['pact-order-1', 'pact-order-2']);
      });
  });

  it('creates an order with an Idempotency-Key', async () => {
    tokenInteraction(pact, BOTH_SCOPES, EXAMPLE_TOKEN);
    await given(STATES.noOrder)
      .uponReceiving('an order created with an Idempotency-Key')
      .withRequest('POST', '/v1/orders', (request) =>
        request
          .headers({
            Authorization: BEARER(EXAMPLE_TOKEN),
            'Content-Type': 'application/json',
            'Idempotency-Key': 'pact-key-3',
          })
          .jsonBody({ order_id: 'pact-order-3', total_amount: 1999, currency: 'EUR' }),
      )
      .willRespondWith(201, (response) =>
        response.headers({ 'Content-Type': JSON_TYPE, ...RATE_HEADERS }).jsonBody({
          effect: 'applied',
          order: order('pact-order-3', 1999, 'api.0f8fad5b-d9cb-469f-a165-70867728950e'),
        }),
      )
      .executeTest(async (mock) => {
        const created = await client(mock.url).createOrder(
          { order_id: 'pact-order-3', total_amount: 1999, currency: 'EUR' },
          { idempotencyKey: 'pact-key-3' },
        );
        expect(created.value?.effect).toBe('applied');
      });
  });

  it('retries an order with its Idempotency-Key: the same body is replayed, another body refused', async () => {
    tokenInteraction(pact, BOTH_SCOPES, EXAMPLE_TOKEN);
    const request = (total: number) => (builder: RequestBuilder) =>
      builder
        .headers({
          Authorization: BEARER(EXAMPLE_TOKEN),
          'Content-Type': 'application/json',
          'Idempotency-Key': 'pact-key-4',
        })
        .jsonBody({ order_id: 'pact-order-4', total_amount: total, currency: 'EUR' });
    given(STATES.orderCreated)
      .uponReceiving('an order sent again with its Idempotency-Key and the same body')
      .withRequest('POST', '/v1/orders', request(1999))
      .willRespondWith(201, (response) =>
        response
          .headers({ 'Content-Type': JSON_TYPE, 'Idempotent-Replayed': 'true', ...RATE_HEADERS })
          .jsonBody({
            effect: 'applied',
            order: order('pact-order-4', 1999, 'api.1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed'),
          }),
      );
    await given(STATES.orderCreated)
      .uponReceiving('an order sent with an Idempotency-Key already used for another body')
      .withRequest('POST', '/v1/orders', request(2000))
      .willRespondWith(422, (response) =>
        response
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody(errorBody('idempotency_key_reused', 'conflict', 'ORD-423')),
      )
      .executeTest(async (mock) => {
        const outcome = await client(mock.url).createOrder(
          { order_id: 'pact-order-4', total_amount: 1999, currency: 'EUR' },
          { idempotencyKey: 'pact-key-4', faults: [{ name: 'replayIdempotencyKey' }] },
        );
        expect(outcome.exchanges.map((exchange) => exchange.status)).toEqual([200, 201, 422]);
      });
  });

  it('is refused an order without an Idempotency-Key', async () => {
    tokenInteraction(pact, BOTH_SCOPES, EXAMPLE_TOKEN);
    await given(STATES.noOrder)
      .uponReceiving('an order without an Idempotency-Key')
      .withRequest('POST', '/v1/orders', (request) =>
        request
          .headers({ Authorization: BEARER(EXAMPLE_TOKEN), 'Content-Type': 'application/json' })
          .jsonBody({ order_id: 'pact-order-3', total_amount: 1999, currency: 'EUR' }),
      )
      .willRespondWith(400, (response) =>
        response
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody(errorBody('idempotency_key_missing', 'validation', 'ORD-402')),
      )
      .executeTest(async (mock) => {
        const outcome = await client(mock.url).createOrder(
          { order_id: 'pact-order-3', total_amount: 1999, currency: 'EUR' },
          { faults: [{ name: 'noIdempotencyKey' }] },
        );
        expect(outcome.answer.errorCode).toBe('idempotency_key_missing');
      });
  });

  it('is refused an order with a token for orders:read only', async () => {
    tokenInteraction(pact, READ_SCOPE, READ_ONLY_TOKEN);
    await given(STATES.noOrder)
      .uponReceiving('an order created with a token for orders:read only')
      .withRequest('POST', '/v1/orders', (request) =>
        request
          .headers({
            Authorization: BEARER(READ_ONLY_TOKEN),
            'Content-Type': 'application/json',
            'Idempotency-Key': 'pact-key-3',
          })
          .jsonBody({ order_id: 'pact-order-3', total_amount: 1999, currency: 'EUR' }),
      )
      .willRespondWith(403, (response) =>
        response
          .headers({
            'Content-Type': JSON_TYPE,
            'WWW-Authenticate': regex(
              '^Bearer .*insufficient_scope.*$',
              'Bearer realm="b2b-partner-api", error="insufficient_scope", scope="orders:write"',
            ),
          })
          .jsonBody(errorBody('insufficient_scope', 'policy', 'AUT-413')),
      )
      .executeTest(async (mock) => {
        const outcome = await client(mock.url).createOrder(
          { order_id: 'pact-order-3', total_amount: 1999, currency: 'EUR' },
          { idempotencyKey: 'pact-key-3', faults: [{ name: 'wrongScope' }] },
        );
        expect(outcome.answer.errorCode).toBe('insufficient_scope');
      });
  });

  it('is refused the export with a token the pipeline did not issue', async () => {
    tokenInteraction(pact, BOTH_SCOPES, EXAMPLE_TOKEN);
    await given(STATES.client)
      .uponReceiving('the order export with a token the pipeline did not issue')
      .withRequest('GET', '/v1/orders', (request) =>
        request.headers({ Authorization: BEARER(FORGED_TOKEN) }),
      )
      .willRespondWith(401, (response) =>
        response
          .headers({
            'Content-Type': JSON_TYPE,
            'WWW-Authenticate': regex(
              '^Bearer .*$',
              'Bearer realm="b2b-partner-api", error="invalid_token"',
            ),
          })
          .jsonBody(errorBody('invalid_token', 'authentication', 'AUT-411')),
      )
      .executeTest(async (mock) => {
        const outcome = await client(mock.url).exportOrders(
          {},
          { faults: [{ name: 'forgedToken' }] },
        );
        expect(outcome.answer.errorCode).toBe('invalid_token');
      });
  });

  it('is told to wait when over its rate limit', async () => {
    tokenInteraction(pact, BOTH_SCOPES, EXAMPLE_TOKEN);
    await given(STATES.budgetSpent)
      .uponReceiving('the order export beyond the client’s rate limit')
      .withRequest('GET', '/v1/orders', (request) =>
        request.headers({ Authorization: BEARER(EXAMPLE_TOKEN) }),
      )
      .willRespondWith(429, (response) =>
        response
          .headers({
            'Content-Type': JSON_TYPE,
            'Retry-After': NUMBER_HEADER('1'),
            'RateLimit-Limit': NUMBER_HEADER('50'),
            'RateLimit-Remaining': '0',
            'RateLimit-Reset': NUMBER_HEADER('1'),
          })
          .jsonBody(errorBody('rate_limited', 'rate_limited', 'API-429')),
      )
      .executeTest(async (mock) => {
        const outcome = await client(mock.url, { maxRateLimitRetries: 0 }).exportOrders({});
        expect(outcome.answer.headers['retry-after']).toBe('1');
      });
  });

  it('is refused a token for a secret that is not the client’s', async () => {
    await given(STATES.client)
      .uponReceiving('a token request with a secret that is not the client’s')
      .withRequest('POST', '/oauth/token', (request) =>
        withFormBody(
          request.headers({
            'Content-Type': FORM,
            Authorization: basicCredentials(CLIENT_ID, WRONG_SECRET),
          }),
          tokenForm(BOTH_SCOPES),
        ),
      )
      .willRespondWith(401, (response) =>
        response
          .headers({
            'Content-Type': JSON_TYPE,
            'Cache-Control': 'no-store',
            'WWW-Authenticate': regex(
              '^Basic .*$',
              'Basic realm="b2b-partner-api", charset="UTF-8"',
            ),
          })
          .jsonBody(errorBody('invalid_client', 'authentication', 'AUT-401')),
      )
      .executeTest(async (mock) => {
        const outcome = await client(mock.url, { clientSecret: WRONG_SECRET }).requestToken();
        expect(outcome.answer.errorCode).toBe('invalid_client');
      });
  });

  it('is the pact committed in contracts/pacts/', async () => {
    // In the project's format, so `prettier --check .` (npm run lint) holds for the committed file.
    const written = await format(
      await readFile(join(folder, `${CONSUMER}-${PROVIDER}.json`), 'utf8'),
      { ...(await resolveConfig(PACT_FILE)), parser: 'json' },
    );
    const committed = await readFile(PACT_FILE, 'utf8').catch(() => '');
    if (written === committed) return;
    if (process.env.CI)
      throw new Error(
        `${PACT_FILE} is not the pact these tests write: run them locally and commit it`,
      );
    // Written whole, then renamed: the provider test may be reading the file right now.
    await writeFile(`${PACT_FILE}.tmp`, written);
    await rename(`${PACT_FILE}.tmp`, PACT_FILE);
  });
});
