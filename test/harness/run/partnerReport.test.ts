import { beforeAll, describe, expect, it } from 'vitest';
import type { PartnerRecord } from '../../../contracts/ops/opsRecords.js';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../../contracts/partners/partnerProfile.js';
import type { Exchange } from '../../../harness/exchanges/exchange.js';
import type { FlowPartnerReport } from '../../../harness/flows/flow.js';
import { webhookReport } from '../../../harness/flows/webhook/webhookReport.js';
import type {
  ConnectivityCheck,
  PartnerReport,
  ScenarioKind,
  ScenarioResult,
  ScenarioVerdict,
} from '../../../harness/model/runResult.js';
import { partnerReport } from '../../../harness/run/partnerReport.js';
import type { FirstContact } from '../../../harness/sut/firstContact.js';
import { projectPath } from '../../../lib/projectPaths.js';

let profiles: Map<string, PartnerProfile>;

beforeAll(async () => {
  profiles = await loadPartnerProfiles(projectPath('partners'));
});

function profile(partnerId: string): PartnerProfile {
  const found = profiles.get(partnerId);
  if (!found) throw new Error(`no profile ${partnerId}`);
  return found;
}

function scenario(
  id: string,
  kind: ScenarioKind,
  verdict: ScenarioVerdict = 'pass',
  partnerId = 'p_001',
): ScenarioResult {
  return {
    id,
    title: `scenario ${id}`,
    kind,
    partner_id: partnerId,
    flow: 'webhook',
    verdict,
    started_at: '2026-01-15T12:00:00.000Z',
    duration_ms: 10,
    steps: [],
    oracles: [],
    artifacts: [],
    rerun: `npx b2b certify --scenario ${id} --seed 1`,
  };
}

/** A webhook delivery reduced to what the report counts. */
interface Delivery {
  /** HTTP status, 0 when there was no answer. */
  status: number;
  scheme?: 'x-signature' | 'standard-webhooks';
  faults: string[];
}

const REGISTERED: PartnerRecord[] = [
  {
    partner_id: 'p_001',
    name: 'Acme Retail',
    modes: ['api', 'webhook'],
    security: [],
    sla: {},
    webhook: {
      inbox_path: '/webhooks/p_001',
      window_s: 600,
      secrets_configured: 1,
      signature_schemes: ['x-signature', 'standard-webhooks'],
    },
  },
  { partner_id: 'p_002', name: 'Globex', modes: ['sftp'], security: [], sla: {}, webhook: null },
  { partner_id: 'p_003', name: 'Initech', modes: ['edi'], security: [], sla: {}, webhook: null },
];

const ok = (status: number): Delivery => ({ status, scheme: 'x-signature', faults: [] });

/** A delivery the scenario meant to be refused: its 401 says nothing against the connection. */
const refusedForTampering: Delivery = {
  status: 401,
  scheme: 'x-signature',
  faults: ['tamperBody'],
};

/** Exchanges of a healthy connection, for tests about verdicts rather than connectivity. */
const HEALTHY: Record<string, Delivery[]> = {
  'B-001': [ok(200)],
  'B-002': [ok(200)],
  'B-102': [refusedForTampering],
};

interface Evidence {
  readyz: FirstContact['readyz'];
  registeredPartners: FirstContact['registeredPartners'];
  /** The deliveries each scenario made. */
  exchanges: Record<string, Delivery[]>;
  secretSource: string;
}

function evidence(
  exchanges: Record<string, Delivery[]>,
  overrides: Partial<Evidence> = {},
): Evidence {
  return {
    readyz: { status: 200, body: { status: 'ready' } },
    registeredPartners: REGISTERED,
    exchanges,
    secretSource: 'generated for this run',
    ...overrides,
  };
}

function exchangeOf(delivery: Delivery, seq: number): Exchange {
  const status = delivery.status;
  return {
    seq,
    step: 'sent',
    flow: 'webhook',
    protocol: 'http',
    from: 'partner p_001',
    to: 'pipeline',
    noun: 'delivery',
    message: 'POST /webhooks/p_001',
    correlation_id: `run.B-000.sent.${seq}`,
    faults: delivery.faults,
    answer: {
      status,
      acknowledgment:
        status >= 200 && status < 300
          ? 'acknowledged'
          : status >= 400 && status < 500
            ? 'refused'
            : 'failed',
    },
    ...(delivery.scheme ? { facts: { scheme: delivery.scheme } } : {}),
    at: '2026-01-15T12:00:00.000Z',
    duration_ms: 1,
  };
}

/**
 * The report of a partner as certify builds it: each flow of the partner counts the exchanges of
 * that partner's scenarios as they happen, then the report reads the flows' accounts.
 */
function reportOf(
  partner: PartnerProfile,
  scenarios: ScenarioResult[],
  given: Evidence,
): PartnerReport {
  const flows = new Map<string, FlowPartnerReport>();
  if (partner.webhook) {
    const webhook = webhookReport(partner, { secret: 'unused', secretSource: given.secretSource });
    let seq = 0;
    for (const { id, partner_id } of scenarios)
      if (partner_id === partner.partner_id)
        for (const delivery of given.exchanges[id] ?? [])
          webhook.count(exchangeOf(delivery, ++seq));
    flows.set('webhook', webhook);
  }
  const contact: FirstContact = {
    readyz: given.readyz,
    registeredPartners: given.registeredPartners,
  };
  return partnerReport(partner, scenarios, contact, flows);
}

function check(checks: ConnectivityCheck[], name: string): ConnectivityCheck | undefined {
  return checks.find((candidate) => candidate.check === name);
}

describe('partnerReport: a verdict per partner and flow', () => {
  it('certifies a flow when every scenario passed and both a happy path and an exception ran', () => {
    const report = reportOf(
      profile('p_001'),
      [scenario('B-002', 'alt'), scenario('B-102', 'exception'), scenario('B-102-N1', 'exception')],
      evidence({ 'B-002': [ok(200)], 'B-102': [refusedForTampering] }),
    );
    expect(report).toMatchObject({ partner_id: 'p_001', name: 'Acme Retail' });
    expect(report.flows.map((flow) => [flow.flow, flow.verdict])).toEqual([
      ['api', 'not_covered'],
      ['webhook', 'certified'],
    ]);
    expect(report.flows[1]).toMatchObject({
      coverage: { main: [], alt: ['B-002'], exception: ['B-102', 'B-102-N1'] },
      reason: 'all 3 scenarios passed, covering main/alternative and exception paths',
    });
    expect(report.flows[0]?.reason).toBe('no scenario in this run exercises this flow');
  });

  it('certifies with a main path as the happy path', () => {
    const report = reportOf(
      profile('p_001'),
      [scenario('B-001', 'main'), scenario('B-102', 'exception')],
      evidence(HEALTHY),
    );
    expect(report.flows[1]?.verdict).toBe('certified');
  });

  it('calls a flow incomplete when no exception path ran', () => {
    const report = reportOf(
      profile('p_001'),
      [scenario('B-001', 'main'), scenario('B-002', 'alt')],
      evidence(HEALTHY),
    );
    expect(report.flows[1]).toMatchObject({
      verdict: 'incomplete',
      reason: 'all 2 scenarios passed, but none covers an exception path',
    });
  });

  it('calls a flow incomplete when only exception paths ran', () => {
    const report = reportOf(profile('p_001'), [scenario('B-102', 'exception')], evidence(HEALTHY));
    expect(report.flows[1]).toMatchObject({
      verdict: 'incomplete',
      reason: 'all 1 scenarios passed, but none covers a main or alternative path',
    });
  });

  it('fails a flow when a scenario failed or could not run, naming exactly those', () => {
    const report = reportOf(
      profile('p_001'),
      [
        scenario('B-002', 'alt'),
        scenario('B-102', 'exception', 'fail'),
        scenario('B-102-N1', 'exception'),
        scenario('B-102-N2', 'exception', 'error'),
      ],
      evidence(HEALTHY),
    );
    expect(report.flows[1]).toMatchObject({
      verdict: 'failed',
      reason: 'B-102 fail, B-102-N2 error',
    });
  });

  it('reports every mode of a partner; flows without a scenario are not covered', () => {
    const results = [scenario('B-002', 'alt'), scenario('B-102', 'exception')];
    const reports = ['p_002', 'p_003'].map((id) =>
      reportOf(profile(id), results, evidence({ 'B-002': [ok(200)] })),
    );
    expect(reports.map((report) => report.flows.map((flow) => [flow.flow, flow.verdict]))).toEqual([
      [['sftp', 'not_covered']],
      [['edi', 'not_covered']],
    ]);
    // Another partner's scenarios and exchanges count for nothing here.
    expect(reports[0]?.flows[0]?.exchanges).toEqual({
      sent: 0,
      acknowledged: 0,
      refused: 0,
      failed: 0,
    });
  });

  it("does not count another partner's scenarios", () => {
    const report = reportOf(
      profile('p_001'),
      [scenario('B-301', 'main', 'fail', 'p_002'), scenario('B-102', 'exception')],
      evidence(HEALTHY),
    );
    expect(report.flows[1]).toMatchObject({
      verdict: 'incomplete',
      coverage: { main: [], alt: [], exception: ['B-102'] },
    });
  });
});

describe('partnerReport: exchanges', () => {
  it('tallies the webhook flow by answer: 2xx acknowledged, 4xx refused, 5xx or none failed', () => {
    const report = reportOf(
      profile('p_001'),
      [scenario('B-002', 'alt'), scenario('B-102', 'exception')],
      evidence({
        'B-002': [ok(200), ok(202), ok(409)],
        'B-102': [
          { status: 401, scheme: 'x-signature', faults: ['tamperBody'] },
          ok(404),
          ok(500),
          ok(503),
          { status: 0, faults: [] },
        ],
      }),
    );
    expect(report.flows[1]?.exchanges).toEqual({
      sent: 8,
      acknowledged: 2,
      refused: 3,
      failed: 3,
    });
    expect(report.flows[0]?.exchanges.sent).toBe(0);
  });
});

describe('partnerReport: connectivity', () => {
  const results = [scenario('B-002', 'alt'), scenario('B-102', 'exception')];

  it('passes every check of a healthy, registered, reachable partner', () => {
    const report = reportOf(
      profile('p_001'),
      results,
      evidence({
        'B-002': [ok(200), { status: 200, scheme: 'standard-webhooks', faults: [] }],
        'B-102': [{ status: 401, scheme: 'x-signature', faults: ['tamperBody'] }],
      }),
    );
    expect(report.connectivity).toEqual([
      { check: 'ops API and readiness', ok: true, detail: 'GET /readyz answered 200' },
      {
        check: 'partner registered for webhooks',
        flow: 'webhook',
        ok: true,
        detail:
          'schemes x-signature, standard-webhooks; 1 secret(s) configured; shared secret generated for this run',
      },
      {
        check: 'webhook inbox reached',
        flow: 'webhook',
        ok: true,
        detail: '3 of 3 requests answered',
      },
      {
        check: 'signature accepted (x-signature)',
        flow: 'webhook',
        ok: true,
        detail: '1 of 1 correctly signed deliveries accepted',
      },
      {
        check: 'signature accepted (standard-webhooks)',
        flow: 'webhook',
        ok: true,
        detail: '1 of 1 correctly signed deliveries accepted',
      },
    ]);
  });

  it('fails readiness when /readyz does not answer 200', () => {
    const report = reportOf(
      profile('p_001'),
      results,
      evidence({ 'B-002': [ok(200)] }, { readyz: { status: 503, body: {} } }),
    );
    expect(check(report.connectivity, 'ops API and readiness')).toEqual({
      check: 'ops API and readiness',
      ok: false,
      detail: 'GET /readyz answered 503',
    });
  });

  it('checks only readiness for a partner without webhooks', () => {
    const report = reportOf(profile('p_002'), results, evidence({}));
    expect(report.connectivity.map((each) => each.check)).toEqual(['ops API and readiness']);
  });

  it.each([
    ['not listed at all', REGISTERED.filter((partner) => partner.partner_id !== 'p_001')],
    ['listed without a webhook inbox', [{ ...(REGISTERED[0] as PartnerRecord), webhook: null }]],
    [
      'listed without a secret',
      [
        {
          ...(REGISTERED[0] as PartnerRecord),
          webhook: {
            inbox_path: '/webhooks/p_001',
            window_s: 600,
            secrets_configured: 0,
            signature_schemes: ['x-signature'],
          },
        },
      ],
    ],
    ['not readable', undefined],
  ])('fails registration when the partner is %s', (_case, registeredPartners) => {
    const report = reportOf(
      profile('p_001'),
      results,
      evidence({ 'B-002': [ok(200)] }, { registeredPartners }),
    );
    expect(check(report.connectivity, 'partner registered for webhooks')?.ok).toBe(false);
  });

  it('fails the flow, naming the check, when scenarios pass over a failed connectivity check', () => {
    const report = reportOf(
      profile('p_001'),
      results,
      evidence({ 'B-002': [ok(200)] }, { registeredPartners: undefined }),
    );
    const webhook = report.flows.find((flow) => flow.flow === 'webhook');
    expect(webhook?.verdict).toBe('failed');
    expect(webhook?.reason).toBe(
      'connectivity: partner registered for webhooks failed (not listed by GET /ops/partners with a webhook inbox)',
    );
  });

  it('fails "inbox reached" when a request got no answer, or none was made', () => {
    const unanswered = reportOf(
      profile('p_001'),
      results,
      evidence({ 'B-002': [ok(200), { status: 0, scheme: 'x-signature', faults: [] }] }),
    );
    expect(check(unanswered.connectivity, 'webhook inbox reached')).toMatchObject({
      ok: false,
      detail: '1 of 2 requests answered',
    });
    const silent = reportOf(profile('p_001'), results, evidence({}));
    expect(check(silent.connectivity, 'webhook inbox reached')).toMatchObject({
      ok: false,
      detail: '0 of 0 requests answered',
    });
  });

  it('fails a scheme when a correctly signed delivery had its signature refused', () => {
    const report = reportOf(
      profile('p_001'),
      results,
      evidence({
        'B-002': [ok(200), ok(401), { status: 200, scheme: 'standard-webhooks', faults: [] }],
      }),
    );
    expect(check(report.connectivity, 'signature accepted (x-signature)')).toEqual({
      check: 'signature accepted (x-signature)',
      flow: 'webhook',
      ok: false,
      detail: '1 of 2 correctly signed deliveries accepted',
    });
    expect(check(report.connectivity, 'signature accepted (standard-webhooks)')?.ok).toBe(true);
  });

  it('does not blame the signature for refusals a fault caused or the content earned', () => {
    const report = reportOf(
      profile('p_001'),
      results,
      evidence({
        'B-002': [
          ok(200),
          ok(409), // same event id, other payload: the signature was fine
          ok(400), // signed body that is not JSON
          ok(413), // signed, but too large
          { status: 401, scheme: 'x-signature', faults: ['wrongSecret'] },
          { status: 401, scheme: 'standard-webhooks', faults: ['missingHeader'] },
        ],
      }),
    );
    expect(check(report.connectivity, 'signature accepted (x-signature)')).toMatchObject({
      ok: true,
      detail: '4 of 4 correctly signed deliveries accepted',
    });
    // No clean standard-webhooks delivery was made, so there is nothing to judge it by.
    expect(check(report.connectivity, 'signature accepted (standard-webhooks)')).toBeUndefined();
  });
});
