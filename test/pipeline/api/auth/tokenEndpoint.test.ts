import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../../pipeline/api/auth/index.js';
import { asErrorBody, type PipelineUnderTest } from '../../../support/pipelineUnderTest.js';
import { ENGINES } from '../../../support/stores.js';
import {
  apiTestSetup,
  basicAuth,
  callApi,
  DORMANT_CLIENT,
  errorCode,
  FORM,
  FULL_CLIENT,
  READ_CLIENT,
  requestToken,
  startApiPipeline,
  type ApiTestSetup,
} from './apiAuthSupport.js';

describe.each(ENGINES)('POST /oauth/token on $name', (engine) => {
  let setup: ApiTestSetup;
  let sut: PipelineUnderTest;
  const secretOf = (clientId: string) => setup.secrets.get(clientId) as string;
  const postForm = (body: string, headers: Record<string, string> = {}) =>
    callApi(sut.url, 'POST', '/oauth/token', {
      headers: { 'content-type': FORM, ...headers },
      body,
    });

  beforeAll(async () => {
    setup = await apiTestSetup();
    sut = await startApiPipeline(engine, setup);
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('issues a short-lived token with every scope the profile grants, never cached', async () => {
    const answer = await requestToken(sut, FULL_CLIENT, secretOf(FULL_CLIENT));

    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.json).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'orders:read orders:write',
    });
    const token = (answer.json as { access_token: string }).access_token;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: FULL_CLIENT,
      client_id: FULL_CLIENT,
      partner_id: 'p_001',
      scope: 'orders:read orders:write',
      iat: sut.nowS(),
      exp: sut.nowS() + 300,
    });
    expect(claims.jti).toEqual(expect.any(String));
  });

  it('accepts client_id and client_secret in the form, and narrows to the scope asked for', async () => {
    const answer = await postForm(
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: FULL_CLIENT,
        client_secret: secretOf(FULL_CLIENT),
        scope: 'orders:read',
      }).toString(),
    );

    expect(answer.status).toBe(200);
    expect((answer.json as { scope: string }).scope).toBe('orders:read');
  });

  it.each([
    ['a wrong secret', FULL_CLIENT, 'not-the-secret-at-all'],
    ['an unknown client', 'acme-imposter', 'whatever-secret-value'],
    ['a client whose secret is not configured', DORMANT_CLIENT, 'any-secret-it-might-have'],
  ])('refuses %s with 401 invalid_client and a Basic challenge', async (_case, id, secret) => {
    const answer = await requestToken(sut, id, secret);

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(answer.headers['cache-control']).toBe('no-store');
    const body = asErrorBody(answer.json);
    expect(body.error).toMatchObject({
      code: 'invalid_client',
      category: 'authentication',
      message_id: 'AUT-401',
      correlation_id: answer.headers['x-correlation-id'],
    });
  });

  it('refuses a request without client authentication as invalid_client', async () => {
    const answer = await postForm('grant_type=client_credentials');
    expect(answer.status).toBe(401);
    expect(errorCode(answer)).toBe('invalid_client');
  });

  it('refuses a scope the client is not granted with 400 invalid_scope', async () => {
    const notGranted = await requestToken(sut, READ_CLIENT, secretOf(READ_CLIENT), {
      scope: 'orders:read orders:write',
    });
    const malformed = await requestToken(sut, READ_CLIENT, secretOf(READ_CLIENT), {
      scope: 'orders:read  "quoted"',
    });

    for (const answer of [notGranted, malformed]) {
      expect(answer.status).toBe(400);
      expect(asErrorBody(answer.json).error).toMatchObject({
        code: 'invalid_scope',
        category: 'validation',
      });
    }
  });

  it('refuses other grant types, a missing grant_type and malformed requests', async () => {
    const auth = { authorization: basicAuth(FULL_CLIENT, secretOf(FULL_CLIENT)) };
    const password = await requestToken(sut, FULL_CLIENT, secretOf(FULL_CLIENT), {
      grantType: 'password',
    });
    const noGrant = await postForm('scope=orders%3Aread', auth);
    const twice = await postForm(
      'grant_type=client_credentials&grant_type=client_credentials',
      auth,
    );
    const json = await callApi(sut.url, 'POST', '/oauth/token', {
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    const bothMethods = await postForm(
      `grant_type=client_credentials&client_id=${FULL_CLIENT}&client_secret=${secretOf(FULL_CLIENT)}`,
      auth,
    );

    expect([password.status, errorCode(password)]).toEqual([400, 'unsupported_grant_type']);
    for (const answer of [noGrant, twice, json, bothMethods]) {
      expect([answer.status, errorCode(answer)]).toEqual([400, 'invalid_request']);
      asErrorBody(answer.json);
    }
  });

  it('refuses a caller outside the allowlist with 403 ip_not_allowed, even with the right secret', async () => {
    // The pipeline listens on 127.0.0.1; p_001 allows 127.0.0.1/32 and ::1/128 only.
    const outside = await requestToken(sut, FULL_CLIENT, secretOf(FULL_CLIENT), {
      localAddress: '127.0.0.2',
    });
    const inside = await requestToken(sut, FULL_CLIENT, secretOf(FULL_CLIENT), {
      localAddress: '127.0.0.1',
    });

    expect(outside.status).toBe(403);
    expect(asErrorBody(outside.json).error).toMatchObject({
      code: 'ip_not_allowed',
      category: 'policy',
    });
    expect(inside.status).toBe(200);
  });

  it('counts every answer by partner, route, status and code in /metrics', async () => {
    await requestToken(sut, FULL_CLIENT, 'a-wrong-secret-again');
    await requestToken(sut, 'nobody-we-know', 'a-wrong-secret-again');

    const metrics = (await sut.get('/metrics')).text;
    expect(metrics).toMatch(
      /b2b_api_requests_total\{partner_id="p_001",route="\/oauth\/token",status="401",code="invalid_client"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /b2b_api_requests_total\{partner_id="unknown",route="\/oauth\/token",status="401",code="invalid_client"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /b2b_api_requests_total\{partner_id="p_001",route="\/oauth\/token",status="200",code=""\} [1-9]/,
    );
  });
});
