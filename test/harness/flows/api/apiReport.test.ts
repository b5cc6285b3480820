import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../../../contracts/partners/partnerProfile.js';
import type { Exchange } from '../../../../harness/exchanges/exchange.js';
import type { ApiSide } from '../../../../harness/flows/api/apiCredentials.js';
import { apiReport } from '../../../../harness/flows/api/apiReport.js';
import type { FirstContact } from '../../../../harness/sut/firstContact.js';
import { realSleeper } from '../../../../simulators/api/sleeper.js';
import { projectPath } from '../../../../lib/projectPaths.js';

let acme: PartnerProfile;
const side: ApiSide = {
  clients: [
    {
      clientId: 'acme-orders',
      secret: 'x'.repeat(32),
      variable: 'B2B_P_001_API_CLIENT_SECRET',
      scopes: ['orders:read', 'orders:write'],
      secretSource: 'generated for this run',
    },
  ],
  sleeper: realSleeper,
};
const contact: FirstContact = { readyz: { status: 200, body: {} }, registeredPartners: [] };

beforeAll(async () => {
  acme = (await loadPartnerProfiles(projectPath('partners'))).get('p_001') as PartnerProfile;
});

let seq = 0;
function call(
  operation: string,
  status: number,
  facts: Record<string, string> = {},
  faults: string[] = [],
): Exchange {
  return {
    seq: ++seq,
    step: 's',
    flow: 'api',
    protocol: 'http',
    from: 'partner p_001',
    to: 'pipeline',
    noun: 'request',
    message: operation === 'issueAccessToken' ? 'POST /oauth/token' : 'GET /v1/orders',
    correlation_id: `c.${seq}`,
    faults,
    answer: {
      status,
      acknowledgment:
        status === 0
          ? 'failed'
          : status < 300
            ? 'acknowledged'
            : status < 500
              ? 'refused'
              : 'failed',
    },
    facts: { operation, ...facts },
    at: '2026-01-15T12:00:00.000Z',
    duration_ms: 1,
  };
}

const RATE = { rate_limit: 'limit=50 remaining=49 reset=1' };

describe("the api flow's report", () => {
  it('judges nothing for a run with no api call: the flow is then not covered', () => {
    const report = apiReport(acme, side);
    expect(report.connectivity(contact)).toEqual([]);
    expect(report.exchanges()).toEqual({ sent: 0, acknowledged: 0, refused: 0, failed: 0 });
  });

  it('holds when tokens come with every scope, /v1 answers, and the rate limit is told', () => {
    const report = apiReport(acme, side);
    for (const exchange of [
      call('issueAccessToken', 200, { scope: 'orders:read orders:write' }),
      call('exportOrders', 200, RATE),
      call('createOrder', 201, RATE),
      call('exportOrders', 429, { ...RATE, retry_after: '1' }),
      // Refusals the scenarios ask for do not count against the connection.
      call('issueAccessToken', 403, { from_address: '127.0.0.2' }),
      call('exportOrders', 401, {}, ['expiredToken']),
    ])
      report.count(exchange);
    expect(report.connectivity(contact)).toEqual([
      expect.objectContaining({
        check: 'access token obtained',
        flow: 'api',
        ok: true,
        detail: expect.stringMatching(
          /^1 of 1 token requests issued a token to acme-orders; client secret generated for this run$/,
        ),
      }),
      expect.objectContaining({
        check: 'scopes granted',
        ok: true,
        detail: 'granted orders:read orders:write; the profile grants orders:read orders:write',
      }),
      expect.objectContaining({
        check: 'partner API reached',
        ok: true,
        detail: '4 of 4 /v1 requests answered',
      }),
      expect.objectContaining({
        check: 'rate-limit headers seen',
        ok: true,
        detail: '3 of 3 answers past authentication carried RateLimit-Limit, -Remaining and -Reset',
      }),
    ]);
    expect(report.exchanges()).toEqual({ sent: 6, acknowledged: 3, refused: 3, failed: 0 });
  });

  it('fails each check the SUT gives cause to, saying what it saw', () => {
    const report = apiReport(acme, side);
    for (const exchange of [
      call('issueAccessToken', 200, { scope: 'orders:read' }),
      call('issueAccessToken', 401),
      call('exportOrders', 200),
      call('exportOrders', 0),
    ])
      report.count(exchange);
    const checks = Object.fromEntries(
      report.connectivity(contact).map((check) => [check.check, [check.ok, check.detail]]),
    );
    expect(checks).toEqual({
      'access token obtained': [false, expect.stringMatching(/^1 of 2 token requests issued/)],
      'scopes granted': [false, 'granted orders:read; the profile grants orders:read orders:write'],
      'partner API reached': [false, '1 of 2 /v1 requests answered'],
      'rate-limit headers seen': [
        false,
        '0 of 1 answers past authentication carried RateLimit-Limit, -Remaining and -Reset',
      ],
    });
  });
});
