import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { FlowPartnerReport } from '../flows/flow.js';
import type {
  ConnectivityCheck,
  FlowExchanges,
  FlowReport,
  PartnerReport,
  ScenarioKind,
  ScenarioResult,
} from '../model/runResult.js';
import type { FirstContact } from '../sut/firstContact.js';

const NO_EXCHANGES: FlowExchanges = { sent: 0, acknowledged: 0, refused: 0, failed: 0 };

/**
 * The report's view of a partner, the way certifying teams read it: connectivity first, then each
 * flow's exchanges and acknowledgments, its scenario coverage, and a verdict a go-live decision
 * can rest on. Each flow counted its own exchanges and judged its own connection (`flows`, by
 * mode); a mode with no flow yet is listed, not covered. A flow is certified only when the SUT was
 * ready and every one of its connectivity checks held, every scenario passed, and both a happy
 * path (main or alt) and an exception were exercised.
 */
export function partnerReport(
  profile: PartnerProfile,
  scenarios: ScenarioResult[],
  contact: FirstContact,
  flows: ReadonlyMap<string, FlowPartnerReport>,
): PartnerReport {
  const own = scenarios.filter((scenario) => scenario.partner_id === profile.partner_id);
  const readiness: ConnectivityCheck = {
    check: 'ops API and readiness',
    ok: contact.readyz.status === 200,
    detail: `GET /readyz answered ${contact.readyz.status}`,
  };
  const checksByFlow = new Map(
    [...flows].map(([mode, report]) => [mode, report.connectivity(contact)] as const),
  );
  return {
    partner_id: profile.partner_id,
    name: profile.name,
    connectivity: [readiness, ...[...checksByFlow.values()].flat()],
    flows: profile.modes.map((flow) =>
      flowReport(
        flow,
        own.filter((scenario) => scenario.flow === flow),
        flows.get(flow)?.exchanges() ?? NO_EXCHANGES,
        [readiness, ...(checksByFlow.get(flow) ?? [])],
      ),
    ),
  };
}

function flowReport(
  flow: string,
  scenarios: ScenarioResult[],
  exchanges: FlowExchanges,
  checks: ConnectivityCheck[],
): FlowReport {
  const coverage: Record<ScenarioKind, string[]> = { main: [], alt: [], exception: [] };
  for (const scenario of scenarios) coverage[scenario.kind].push(scenario.id);
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
