import { randomBytes } from 'node:crypto';
import { assertKeepsApiContract } from '../../../../contracts/api/apiResponseCheck.js';
import type { PartnerProfile } from '../../../../contracts/partners/partnerProfile.js';
import { resolveApiClients } from '../../../../pipeline/api/auth/index.js';
import {
  loadTestProfiles,
  startPipelineUnderTest,
  type HttpAnswer,
  type PipelineUnderTest,
  type PipelineUnderTestOptions,
} from '../../../support/pipelineUnderTest.js';
import type { Engine } from '../../../support/stores.js';

/**
 * The orders API as partners meet it: p_001 (Acme, webhooks and API) and p_008, a second API
 * partner, so a cursor can be offered to the wrong partner. Both with a budget no suite reaches
 * (the FakeClock never leaves its first rate window), tokens from the real POST /oauth/token.
 * Every answer a test reads has been checked against contracts/api/openapi.json first.
 */
export const ACME = 'p_001';
export const OTHER_PARTNER = 'p_008';
const CLIENTS = { [ACME]: 'acme-orders', [OTHER_PARTNER]: 'other-orders' } as const;
export type ApiPartner = keyof typeof CLIENTS;

export interface OrdersApi {
  sut: PipelineUnderTest;
  /** GET, with a token carrying `scope` (both scopes by default). */
  get(path: string, options?: { partner?: ApiPartner; scope?: string }): Promise<HttpAnswer>;
  /** POST /v1/orders with a JSON body (a string is sent as is) and the Idempotency-Key, if any. */
  createOrder(
    body: unknown,
    idempotencyKey: string | undefined,
    options?: { partner?: ApiPartner; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** Any request, answer checked against the document. */
  call(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string },
  ): Promise<HttpAnswer>;
  close(): Promise<void>;
}

async function ordersApiProfiles(): Promise<Map<string, PartnerProfile>> {
  const profiles = await loadTestProfiles();
  const acme = profiles.get(ACME) as PartnerProfile;
  if (!acme.api) throw new Error('p_001 has no api block');
  const budget = { requests: 1_000_000, per_s: 1 };
  profiles.set(ACME, { ...acme, api: { ...acme.api, rate_limit: budget } });
  const { webhook: _webhook, ...apiOnly } = acme;
  profiles.set(OTHER_PARTNER, {
    ...apiOnly,
    partner_id: OTHER_PARTNER,
    name: 'Second API partner (test)',
    modes: ['api'],
    api: {
      clients: [
        {
          client_id: CLIENTS[OTHER_PARTNER],
          secret_env: 'TEST_P_008_API_SECRET',
          scopes: ['orders:read', 'orders:write'],
        },
      ],
      rate_limit: budget,
    },
  });
  return profiles;
}

export async function startOrdersApi(
  engine: Engine,
  options: PipelineUnderTestOptions = {},
): Promise<OrdersApi> {
  const profiles = await ordersApiProfiles();
  const secrets = {
    [ACME]: randomBytes(24).toString('base64url'),
    [OTHER_PARTNER]: randomBytes(24).toString('base64url'),
  };
  const apiClients = resolveApiClients(profiles, {
    B2B_P_001_API_CLIENT_SECRET: secrets[ACME],
    TEST_P_008_API_SECRET: secrets[OTHER_PARTNER],
  });
  const sut = await startPipelineUnderTest(engine, { profiles, apiClients, ...options });

  const call: OrdersApi['call'] = async (method, path, init = {}) => {
    const answer = await sut.request(method, path, init);
    assertKeepsApiContract({
      method,
      path,
      status: answer.status,
      headers: answer.headers,
      body: answer.text === '' ? undefined : answer.json,
    });
    return answer;
  };
  const tokens = new Map<string, string>();
  const token = async (partner: ApiPartner, scope: string) => {
    const cached = tokens.get(`${partner} ${scope}`);
    if (cached) return cached;
    const basic = Buffer.from(`${CLIENTS[partner]}:${secrets[partner]}`).toString('base64');
    const answer = await call('POST', '/oauth/token', {
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
    });
    if (answer.status !== 200) throw new Error(`no token for ${partner}: ${answer.text}`);
    const issued = (answer.json as { access_token: string }).access_token;
    tokens.set(`${partner} ${scope}`, issued);
    return issued;
  };

  return {
    sut,
    call,
    async get(path, options = {}) {
      const bearer = await token(
        options.partner ?? ACME,
        options.scope ?? 'orders:read orders:write',
      );
      return call('GET', path, { headers: { authorization: `Bearer ${bearer}` } });
    },
    async createOrder(body, idempotencyKey, options = {}) {
      const bearer = await token(options.partner ?? ACME, 'orders:read orders:write');
      return call('POST', '/v1/orders', {
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': 'application/json',
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
          ...options.headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    close: () => sut.close(),
  };
}

export function errorCode(answer: HttpAnswer): string | undefined {
  return (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
}

export interface ExportedOrder {
  order_id: string;
  status: string;
  total_amount: number;
  currency: string;
  buyer_email?: string;
  updated_at: string;
  event_id: string;
}

export interface ExportPage {
  items: ExportedOrder[];
  next_cursor: string;
  has_more: boolean;
}

/** Every page from `query` on, following next_cursor until has_more is false. */
export async function readWholeExport(
  api: OrdersApi,
  query: string,
  options: { partner?: ApiPartner } = {},
): Promise<{ pages: ExportPage[]; items: ExportedOrder[]; cursor: string }> {
  const pages: ExportPage[] = [];
  let path = `/v1/orders?${query}`;
  for (;;) {
    const answer = await api.get(path, options);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    const page = answer.json as ExportPage;
    pages.push(page);
    if (!page.has_more)
      return { pages, items: pages.flatMap((one) => one.items), cursor: page.next_cursor };
    path = `/v1/orders?cursor=${encodeURIComponent(page.next_cursor)}&${limitOf(query)}`;
  }
}

function limitOf(query: string): string {
  const limit = new URLSearchParams(query).get('limit');
  return limit === null ? '' : `limit=${limit}`;
}
