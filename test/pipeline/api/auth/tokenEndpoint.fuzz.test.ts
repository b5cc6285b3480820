import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asErrorBody, type PipelineUnderTest } from '../../../support/pipelineUnderTest.js';
import { encodeForWire, headerValue, hostileString } from '../../../support/hostileInput.js';
import { ENGINES } from '../../../support/stores.js';
import {
  accessToken,
  apiTestSetup,
  basicAuth,
  callApi,
  FORM,
  FULL_CLIENT,
  startApiPipeline,
  type ApiAnswer,
  type ApiTestSetup,
} from './apiAuthSupport.js';

/**
 * The token endpoint and the /v1 guard under fire: hostile forms, credentials and bearer tokens,
 * from inside and outside the allowlist. Whatever arrives gets a deliberate answer (never a 5xx),
 * every refusal has the error body, every token answer is `no-store`, and a token is issued only
 * to the right secret from an allowed address. FUZZ_RUNS and FUZZ_SEED as in httpSurface.fuzz.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

type Credential = 'right' | 'wrong' | 'hostile' | 'none';

const oddPercent = fc.constantFrom('%', '%%', '%ZZ', '%E0%A4%A', '%00', '%FF', '+', '=', '&&');
const wireValue = fc.oneof(
  { weight: 3, arbitrary: hostileString.map(encodeForWire) },
  { weight: 1, arbitrary: oddPercent },
);
/** Fields besides grant_type and scope: unknown ones, and sometimes a known one twice. */
const extraField = fc.tuple(
  fc.constantFrom('x', '', '%ZZ', 'client_id', 'client_secret', 'grant_type', 'scope'),
  fc.oneof(fc.constantFrom('client_credentials', 'orders:read', '', FULL_CLIENT), wireValue),
);

const tokenRequest = fc.record({
  grant: fc.oneof(
    { weight: 6, arbitrary: fc.constant('client_credentials') },
    { weight: 1, arbitrary: fc.constantFrom('password', 'authorization_code', '') },
    { weight: 1, arbitrary: wireValue },
  ),
  scope: fc.option(
    fc.oneof(
      fc.constantFrom('orders:read', 'orders%3Awrite', 'orders:read+orders:write', 'orders:delete'),
      wireValue,
    ),
  ),
  extraFields: fc.array(extraField, { maxLength: 2 }),
  credential: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Credential>('right') },
    { weight: 1, arbitrary: fc.constantFrom<Credential>('wrong', 'hostile', 'none') },
  ),
  hostileAuthorization: fc.oneof(
    headerValue,
    fc
      .uint8Array({ maxLength: 80 })
      .map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
  ),
  contentType: fc.oneof(
    { weight: 14, arbitrary: fc.constant(FORM) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(`${FORM}; charset=latin1`, 'application/json', 'text/plain'),
    },
    { weight: 1, arbitrary: headerValue },
  ),
  rawBody: fc.oneof(
    { weight: 9, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  ),
  from: fc.oneof(
    { weight: 4, arbitrary: fc.constant('127.0.0.1') },
    { weight: 1, arbitrary: fc.constant('127.0.0.2') },
  ),
});

describe.each(ENGINES)('the partner API auth under fuzzing on $name', (engine) => {
  let setup: ApiTestSetup;
  let sut: PipelineUnderTest;

  beforeAll(async () => {
    setup = await apiTestSetup();
    sut = await startApiPipeline(engine, setup);
  });
  afterAll(async () => {
    await sut?.close();
  });

  const expectDeliberate = (answer: ApiAnswer, where: string) => {
    // 431: Node's HTTP parser refuses oversized headers before any pipeline code runs.
    if (answer.status === 431) return;
    expect(answer.status, where).toBeGreaterThanOrEqual(200);
    expect(answer.status, where).toBeLessThan(500);
    if (answer.status >= 400) asErrorBody(answer.json);
  };

  it('POST /oauth/token: no 5xx, error bodies by contract, a token only for the right secret from inside', async () => {
    const secret = setup.secrets.get(FULL_CLIENT) as string;
    await fc.assert(
      fc.asyncProperty(tokenRequest, async (request) => {
        const form = [
          `grant_type=${request.grant}`,
          ...(request.scope === null ? [] : [`scope=${request.scope}`]),
          ...request.extraFields.map((pair) => pair.join('=')),
        ];
        const authorization = {
          right: basicAuth(FULL_CLIENT, secret),
          wrong: basicAuth(FULL_CLIENT, `${secret}x`),
          hostile: request.hostileAuthorization,
          none: undefined,
        }[request.credential];
        const answer = await callApi(sut.url, 'POST', '/oauth/token', {
          headers: {
            'content-type': request.contentType,
            ...(authorization === undefined ? {} : { authorization }),
          },
          body: request.rawBody ? Buffer.from(request.rawBody) : form.join('&'),
          localAddress: request.from,
        });
        const where = `${JSON.stringify(request).slice(0, 400)} → ${answer.status} ${answer.text.slice(0, 200)}`;
        expectDeliberate(answer, where);
        if (answer.status === 431) return;
        expect(answer.headers['cache-control'], where).toBe('no-store');
        if (answer.status !== 200) return;
        expect(request.credential, where).toBe('right');
        expect(request.from, where).toBe('127.0.0.1');
        expect(answer.json, where).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
        const scopes = (answer.json as { scope: string }).scope.split(' ');
        expect(['orders:read', 'orders:write'], where).toEqual(expect.arrayContaining(scopes));
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 240_000);

  it('a /v1 route: no 5xx for any Authorization, and 200 only for a token we issued', async () => {
    const token = await accessToken(sut, setup, FULL_CLIENT);
    const authorization = fc.oneof(
      headerValue,
      headerValue.map((value) => `Bearer ${value}`),
      fc.tuple(fc.nat(), fc.constantFrom(...'ABCxyz019-_.~+/=')).map(([at, char]) => {
        const i = at % token.length;
        return `Bearer ${token.slice(0, i)}${char}${token.slice(i + 1)}`;
      }),
      fc.nat({ max: token.length }).map((cut) => `Bearer ${token.slice(0, cut)}`),
    );
    await fc.assert(
      fc.asyncProperty(authorization, async (value) => {
        const answer = await callApi(sut.url, 'GET', '/v1/probe/read', {
          headers: { authorization: value },
        });
        const where = `${value.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 200)}`;
        expectDeliberate(answer, where);
        if (answer.status === 200)
          expect((answer.json as { clientId: string }).clientId, where).toBe(FULL_CLIENT);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 240_000);
});
