import { randomUUID } from 'node:crypto';
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../../pipeline/api/auth/index.js';
import { asErrorBody, type PipelineUnderTest } from '../../../support/pipelineUnderTest.js';
import { ENGINES } from '../../../support/stores.js';
import {
  accessToken,
  apiTestSetup,
  bearer,
  BUDGET_CLIENT,
  callApi,
  errorCode,
  FULL_CLIENT,
  READ_CLIENT,
  startApiPipeline,
  type ApiTestSetup,
} from './apiAuthSupport.js';

describe.each(ENGINES)('requireApiScope on /v1 routes on $name', (engine) => {
  let setup: ApiTestSetup;
  let sut: PipelineUnderTest;
  const probe = (
    path: '/v1/probe/read' | '/v1/probe/write',
    headers: Record<string, string> = {},
    localAddress?: string,
  ) => callApi(sut.url, 'GET', path, { headers, localAddress });

  /** A token with our claims, signed with `key` under `kid`, with `changes` applied. */
  const mintToken = (key: CryptoKey, kid: string, changes: { aud?: string; exp?: number } = {}) =>
    new SignJWT({ partner_id: 'p_001', client_id: FULL_CLIENT, scope: 'orders:read' })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(changes.aud ?? TOKEN_AUDIENCE)
      .setSubject(FULL_CLIENT)
      .setIssuedAt(sut.nowS())
      .setExpirationTime(changes.exp ?? sut.nowS() + 300)
      .setJti(randomUUID())
      .sign(key);

  beforeAll(async () => {
    setup = await apiTestSetup();
    sut = await startApiPipeline(engine, setup);
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('lets a token with the scope through and tells the route who called', async () => {
    const token = await accessToken(sut, setup, FULL_CLIENT);

    const read = await probe('/v1/probe/read', bearer(token));
    const write = await probe('/v1/probe/write', bearer(token));

    expect(read.status).toBe(200);
    expect(read.json).toEqual({
      partnerId: 'p_001',
      clientId: FULL_CLIENT,
      scopes: ['orders:read', 'orders:write'],
      tokenId: expect.any(String),
    });
    expect(write.status).toBe(200);
  });

  it('answers a request without a token 401 invalid_token with a bare Bearer challenge', async () => {
    const answer = await probe('/v1/probe/read');

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="b2b-partner-api"');
    expect(asErrorBody(answer.json).error).toMatchObject({
      code: 'invalid_token',
      category: 'authentication',
      correlation_id: answer.headers['x-correlation-id'],
    });
  });

  it.each([
    ['not a JWT', 'not-a-token'],
    ['Basic instead of Bearer', undefined],
  ])('answers %s 401 invalid_token', async (_case, token) => {
    const headers = token ? bearer(token) : { authorization: 'Basic YWJjOmRlZg==' };
    const answer = await probe('/v1/probe/read', headers);

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(errorCode(answer)).toBe('invalid_token');
  });

  it('accepts a token until its expiry and answers 401 token_expired from then on', async () => {
    const token = await accessToken(sut, setup, FULL_CLIENT);

    sut.clock.advance(299_000);
    const lastSecond = await probe('/v1/probe/read', bearer(token));
    sut.clock.advance(1_000);
    const expired = await probe('/v1/probe/read', bearer(token));

    expect(lastSecond.status).toBe(200);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(asErrorBody(expired.json).error).toMatchObject({
      code: 'token_expired',
      category: 'authentication',
    });
    expect(
      (await probe('/v1/probe/read', bearer(await accessToken(sut, setup, FULL_CLIENT)))).status,
    ).toBe(200);
  });

  it('refuses a token signed by another key, even under our key id', async () => {
    const genuine = await accessToken(sut, setup, FULL_CLIENT);
    const [stored] = await sut.store.query<{ kid: string }>('SELECT kid FROM api_signing_keys');
    const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519' });

    const underOurKid = await mintToken(stranger.privateKey, stored?.kid as string);
    const underItsKid = await mintToken(stranger.privateKey, 'stranger');

    expect((await probe('/v1/probe/read', bearer(genuine))).status).toBe(200);
    for (const forged of [underOurKid, underItsKid]) {
      const answer = await probe('/v1/probe/read', bearer(forged));
      expect([answer.status, errorCode(answer)]).toEqual([401, 'invalid_token']);
    }
  });

  it('refuses a token of ours meant for another audience', async () => {
    await accessToken(sut, setup, FULL_CLIENT);
    const [stored] = await sut.store.query<{ kid: string; private_jwk: string }>(
      'SELECT kid, private_jwk FROM api_signing_keys',
    );
    const ourKey = (await importJWK(
      JSON.parse(stored?.private_jwk as string) as JWK,
      'EdDSA',
    )) as CryptoKey;

    const sameAudience = await mintToken(ourKey, stored?.kid as string);
    const otherAudience = await mintToken(ourKey, stored?.kid as string, { aud: 'urn:other:api' });

    expect((await probe('/v1/probe/read', bearer(sameAudience))).status).toBe(200);
    const answer = await probe('/v1/probe/read', bearer(otherAudience));
    expect([answer.status, errorCode(answer)]).toEqual([401, 'invalid_token']);
  });

  it('answers 403 insufficient_scope when the token lacks the route scope', async () => {
    const readOnlyClient = await accessToken(sut, setup, READ_CLIENT);
    const narrowedToken = await accessToken(sut, setup, FULL_CLIENT, 'orders:read');

    for (const token of [readOnlyClient, narrowedToken]) {
      const answer = await probe('/v1/probe/write', bearer(token));
      expect(answer.status).toBe(403);
      expect(answer.headers['www-authenticate']).toMatch(
        /error="insufficient_scope", scope="orders:write"/,
      );
      expect(asErrorBody(answer.json).error).toMatchObject({
        code: 'insufficient_scope',
        category: 'policy',
      });
      expect((await probe('/v1/probe/read', bearer(token))).status).toBe(200);
    }
  });

  it('answers 403 ip_not_allowed to a valid token from outside the partner allowlist', async () => {
    const token = await accessToken(sut, setup, FULL_CLIENT);

    const outside = await probe('/v1/probe/read', bearer(token), '127.0.0.2');
    const inside = await probe('/v1/probe/read', bearer(token), '127.0.0.1');

    expect(outside.status).toBe(403);
    expect(asErrorBody(outside.json).error).toMatchObject({ code: 'ip_not_allowed' });
    expect(inside.status).toBe(200);
  });

  it('lets a partner without an allowlist call from any address', async () => {
    const token = await accessToken(sut, setup, BUDGET_CLIENT);
    const answer = await probe('/v1/probe/read', bearer(token), '127.0.0.2');
    expect(answer.status).toBe(200);
  });

  it('counts refusals on the route pattern in /metrics', async () => {
    await probe('/v1/probe/write', bearer('not-a-token'));
    const metrics = (await sut.get('/metrics')).text;
    expect(metrics).toMatch(
      /b2b_api_requests_total\{partner_id="unknown",route="\/v1\/probe\/write",status="401",code="invalid_token"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /b2b_api_requests_total\{partner_id="p_001",route="\/v1\/probe\/read",status="200",code=""\} [1-9]/,
    );
  });
});
