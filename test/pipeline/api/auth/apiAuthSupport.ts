import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { PartnerProfile } from '../../../../contracts/partners/partnerProfile.js';
import type { Pipeline } from '../../../../pipeline/app.js';
import { resolveApiClients, type ApiClients } from '../../../../pipeline/api/auth/index.js';
import {
  loadTestProfiles,
  startPipelineUnderTest,
  type PipelineUnderTest,
  type PipelineUnderTestOptions,
} from '../../../support/pipelineUnderTest.js';
import type { Engine } from '../../../support/stores.js';

/**
 * The partner API as a partner meets it in these tests: p_001's profile with two more clients (a
 * read-only one and one whose secret is never set), and p_009, a partner with a small rate limit
 * and no allowlist. p_001's own limit is raised so the suites' many requests at one fake instant
 * do not run into it.
 */
export const FULL_CLIENT = 'acme-orders';
export const READ_CLIENT = 'acme-reader';
export const DORMANT_CLIENT = 'acme-dormant';
export const BUDGET_PARTNER = 'p_009';
export const BUDGET_CLIENT = 'globex-budget';
export const BUDGET = { requests: 3, per_s: 60 };

export async function apiTestProfiles(): Promise<Map<string, PartnerProfile>> {
  const profiles = await loadTestProfiles();
  const acme = profiles.get('p_001') as PartnerProfile;
  const api = acme.api;
  if (!api) throw new Error('p_001 has no api block');
  profiles.set('p_001', {
    ...acme,
    api: {
      ...api,
      clients: [
        ...api.clients,
        { client_id: READ_CLIENT, secret_env: 'TEST_ACME_READER_SECRET', scopes: ['orders:read'] },
        {
          client_id: DORMANT_CLIENT,
          secret_env: 'TEST_ACME_DORMANT_SECRET',
          scopes: ['orders:read'],
        },
      ],
      rate_limit: { requests: 100_000, per_s: 1 },
    },
  });
  const { webhook: _webhook, ...withoutWebhook } = acme;
  profiles.set(BUDGET_PARTNER, {
    ...withoutWebhook,
    partner_id: BUDGET_PARTNER,
    name: 'Budget partner (test)',
    modes: ['api'],
    api: {
      clients: [
        {
          client_id: BUDGET_CLIENT,
          secret_env: 'TEST_BUDGET_SECRET',
          scopes: ['orders:read'],
        },
      ],
      rate_limit: BUDGET,
    },
  });
  return profiles;
}

export interface ApiTestSetup {
  profiles: Map<string, PartnerProfile>;
  clients: ApiClients;
  /** Client secrets by client_id (the dormant client has none). */
  secrets: Map<string, string>;
}

export async function apiTestSetup(): Promise<ApiTestSetup> {
  const profiles = await apiTestProfiles();
  const secret = () => randomBytes(24).toString('base64url');
  const env = {
    B2B_P_001_API_CLIENT_SECRET: secret(),
    TEST_ACME_READER_SECRET: secret(),
    TEST_BUDGET_SECRET: secret(),
  };
  const clients = resolveApiClients(profiles, env);
  const secrets = new Map<string, string>([
    [FULL_CLIENT, env.B2B_P_001_API_CLIENT_SECRET],
    [READ_CLIENT, env.TEST_ACME_READER_SECRET],
    [BUDGET_CLIENT, env.TEST_BUDGET_SECRET],
  ]);
  return { profiles, clients, secrets };
}

/**
 * Small routes guarded the way /v1 routes are: `GET /v1/probe/read` needs orders:read,
 * `GET /v1/probe/write` orders:write; both rate-limited, both answer who called.
 */
export function probeRoutes(pipeline: Pipeline): RequestHandler {
  const router = express.Router();
  const { requireApiScope, rateLimit } = pipeline.apiAuth;
  const whoCalled: RequestHandler = (req, res) => {
    res.json(req.apiClient);
  };
  router.get('/v1/probe/read', requireApiScope('orders:read'), rateLimit(), whoCalled);
  router.get('/v1/probe/write', requireApiScope('orders:write'), rateLimit(), whoCalled);
  return router;
}

export async function startApiPipeline(
  engine: Engine,
  setup: ApiTestSetup,
  options: PipelineUnderTestOptions = {},
): Promise<PipelineUnderTest> {
  return startPipelineUnderTest(engine, {
    profiles: setup.profiles,
    apiClients: setup.clients,
    routesBefore: probeRoutes,
    ...options,
  });
}

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/**
 * One HTTP request over node:http, optionally from another local address: the tests' second
 * loopback address (127.0.0.2) is a caller outside a 127.0.0.1/32 allowlist.
 */
export function callApi(
  baseUrl: string,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {},
): Promise<ApiAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        localAddress: init.localAddress,
        headers: {
          ...init.headers,
          ...(init.body === undefined ? {} : { 'content-length': Buffer.byteLength(init.body) }),
        },
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer to ${method} ${path}`)));
    request.on('error', reject);
    request.end(init.body);
  });
}

export function basicAuth(clientId: string, secret: string): string {
  const encode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export const FORM = 'application/x-www-form-urlencoded';

/** POST /oauth/token with Basic client authentication. */
export function requestToken(
  sut: { url: string },
  clientId: string,
  secret: string,
  options: { scope?: string; localAddress?: string; grantType?: string } = {},
): Promise<ApiAnswer> {
  const form = new URLSearchParams({ grant_type: options.grantType ?? 'client_credentials' });
  if (options.scope !== undefined) form.set('scope', options.scope);
  return callApi(sut.url, 'POST', '/oauth/token', {
    headers: { authorization: basicAuth(clientId, secret), 'content-type': FORM },
    body: form.toString(),
    localAddress: options.localAddress,
  });
}

/** A token for `clientId`, failing the test if none is issued. */
export async function accessToken(
  sut: { url: string },
  setup: ApiTestSetup,
  clientId: string,
  scope?: string,
): Promise<string> {
  const answer = await requestToken(sut, clientId, setup.secrets.get(clientId) ?? '', { scope });
  if (answer.status !== 200) throw new Error(`no token for ${clientId}: ${answer.text}`);
  return (answer.json as { access_token: string }).access_token;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The error code of an error body, or undefined. */
export function errorCode(answer: ApiAnswer): string | undefined {
  return (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
}
