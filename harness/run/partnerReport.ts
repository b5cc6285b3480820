import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type {
  ConnectivityCheck,
  FlowExchanges,
  FlowReport,
  PartnerReport,
  ScenarioKind,
  ScenarioResult,
} from '../model/runResult.js';

/** One exchange a fake partner made, reduced to what the report counts. */
export interface ExchangeSummary {
  /** HTTP status, 0 when there was no answer. */
  status: number;
  /** The signature scheme the request used, if it was signed. */
  scheme?: 'x-signature' | 'standard-webhooks';
  faults: string[];
}

/** What a run learned about one partner's connection, from the SUT's ops API and the exchanges. */
export interface ConnectivityEvidence {
  readyz: { status: number; body: unknown };
  registeredPartners:
    | {
        partner_id: string;
        webhook: { secrets_configured: number; signature_schemes: string[] } | null;
      }[]
    | undefined;
  exchanges: Map<string, ExchangeSummary[]>;
  secretSource: string;
}

/**
 * The report's view of a partner, the way certifying teams read it: connectivity first, then each
 * flow's exchanges and acknowledgments, its scenario coverage, and a verdict a go-live decision
 * can rest on. A flow is certified only when every connectivity check held, every scenario passed,
 * and both a happy path (main or alt) and an exception were exercised.
 */
export function partnerReport(
  profile: PartnerProfile,
  scenarios: ScenarioResult[],
  evidence: ConnectivityEvidence,
): PartnerReport {
  const own = scenarios.filter((scenario) => scenario.partner_id === profile.partner_id);
  const entries = own.flatMap((scenario) => evidence.exchanges.get(scenario.id) ?? []);
  const checks = connectivity(profile, entries, evidence);
  return {
    partner_id: profile.partner_id,
    name: profile.name,
    connectivity: checks,
    flows: profile.modes.map((flow) =>
      flowReport(
        flow,
        own.filter((scenario) => scenario.flow === flow),
        entries,
        checks,
      ),
    ),
  };
}

function connectivity(
  profile: PartnerProfile,
  entries: ExchangeSummary[],
  evidence: ConnectivityEvidence,
): ConnectivityCheck[] {
  const ready = evidence.readyz.status === 200;
  const checks: ConnectivityCheck[] = [
    {
      check: 'ops API and readiness',
      ok: ready,
      detail: `GET /readyz answered ${evidence.readyz.status}`,
    },
  ];
  if (!profile.webhook) return checks;
  const registered = evidence.registeredPartners?.find(
    (partner) => partner.partner_id === profile.partner_id,
  );
  checks.push({
    check: 'partner registered for webhooks',
    ok: Boolean(registered?.webhook && registered.webhook.secrets_configured > 0),
    detail: registered?.webhook
      ? `schemes ${registered.webhook.signature_schemes.join(', ')}; ${registered.webhook.secrets_configured} secret(s) configured; shared secret ${evidence.secretSource}`
      : 'not listed by GET /ops/partners with a webhook inbox',
  });
  const answered = entries.filter((entry) => entry.status > 0);
  checks.push({
    check: 'webhook inbox reached',
    ok: entries.length > 0 && answered.length === entries.length,
    detail: `${answered.length} of ${entries.length} requests answered`,
  });
  for (const scheme of ['x-signature', 'standard-webhooks'] as const) {
    const clean = entries.filter((entry) => entry.scheme === scheme && entry.faults.length === 0);
    if (clean.length === 0) continue;
    // Only a 401 refuses the signature: a correctly signed delivery may still be refused for what
    // it carries (409 conflict, 400 malformed JSON, 413 too large), its signature accepted.
    const accepted = clean.filter((entry) => entry.status > 0 && entry.status !== 401);
    checks.push({
      check: `signature accepted (${scheme})`,
      ok: accepted.length === clean.length,
      detail: `${accepted.length} of ${clean.length} correctly signed deliveries accepted`,
    });
  }
  return checks;
}

function flowReport(
  flow: string,
  scenarios: ScenarioResult[],
  entries: ExchangeSummary[],
  checks: ConnectivityCheck[],
): FlowReport {
  const coverage: Record<ScenarioKind, string[]> = { main: [], alt: [], exception: [] };
  for (const scenario of scenarios) coverage[scenario.kind].push(scenario.id);
  const exchanges = tally(flow === 'webhook' ? entries : []);
  if (scenarios.length === 0) {
    return {
      flow,
      exchanges,
      coverage,
      verdict: 'not_covered',
      reason: 'no scenario in this run exercises this flow',
    };
  }
  // A flow whose scenarios pass over a broken connection (a check failed) is not certified.
  const bad = [
    ...scenarios
      .filter((scenario) => scenario.verdict !== 'pass')
      .map((scenario) => `${scenario.id} ${scenario.verdict}`),
    ...checks
      .filter((check) => !check.ok)
      .map((check) => `connectivity: ${check.check} failed (${check.detail})`),
  ];
  if (bad.length > 0) {
    return { flow, exchanges, coverage, verdict: 'failed', reason: bad.join(', ') };
  }
  const missing = [
    coverage.main.length + coverage.alt.length === 0 && 'a main or alternative path',
    coverage.exception.length === 0 && 'an exception path',
  ].filter(Boolean);
  if (missing.length > 0) {
    return {
      flow,
      exchanges,
      coverage,
      verdict: 'incomplete',
      reason: `all ${scenarios.length} scenarios passed, but none covers ${missing.join(' or ')}`,
    };
  }
  return {
    flow,
    exchanges,
    coverage,
    verdict: 'certified',
    reason: `all ${scenarios.length} scenarios passed, covering main/alternative and exception paths`,
  };
}

function tally(entries: ExchangeSummary[]): FlowExchanges {
  const exchanges: FlowExchanges = { sent: entries.length, acknowledged: 0, refused: 0, failed: 0 };
  for (const entry of entries) {
    const status = entry.status;
    if (status >= 200 && status < 300) exchanges.acknowledged++;
    else if (status >= 400 && status < 500) exchanges.refused++;
    else exchanges.failed++;
  }
  return exchanges;
}
