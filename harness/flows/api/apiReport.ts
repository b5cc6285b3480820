import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import type { Exchange } from '../../exchanges/exchange.js';
import type { ConnectivityCheck, FlowExchanges } from '../../model/runResult.js';
import type { FlowPartnerReport } from '../flow.js';
import type { ApiSide } from './apiCredentials.js';

/** Answers that come before the rate limit is counted: no answer, or refused authentication. */
const BEFORE_RATE_LIMIT = new Set([0, 401, 403]);

/**
 * The api flow's account of one partner: calls counted by how the pipeline answered, and the
 * connectivity a certifying team checks first: the client gets a token, with the scopes its
 * profile grants; the partner API answers; and every answer past authentication says where the
 * client stands in its rate limit. Judged on the calls no fault shaped and that came from the
 * partner's usual address (a call from outside the allowlist is meant to be refused). Counts
 * only, so a run of any size costs the same memory.
 */
export function apiReport(partner: PartnerProfile, side: ApiSide): FlowPartnerReport {
  const totals: FlowExchanges = { sent: 0, acknowledged: 0, refused: 0, failed: 0 };
  const tokens = { asked: 0, issued: 0 };
  const granted = new Set<string>();
  const calls = { sent: 0, answered: 0 };
  const rateLimited = { pastAuthentication: 0, withHeaders: 0 };
  return {
    count(exchange: Exchange) {
      totals.sent += 1;
      totals[exchange.answer.acknowledgment] += 1;
      const operation = exchange.facts?.operation;
      const status = exchange.answer.status;
      if (operation !== 'issueAccessToken') {
        calls.sent += 1;
        if (status > 0) calls.answered += 1;
      }
      if (exchange.faults.length > 0 || exchange.facts?.from_address !== undefined) return;
      if (operation === 'issueAccessToken') {
        tokens.asked += 1;
        if (status === 200) tokens.issued += 1;
        for (const scope of exchange.facts?.scope?.split(' ') ?? []) if (scope) granted.add(scope);
        return;
      }
      if (BEFORE_RATE_LIMIT.has(status)) return;
      rateLimited.pastAuthentication += 1;
      if (exchange.facts?.rate_limit !== undefined) rateLimited.withHeaders += 1;
    },
    exchanges: () => ({ ...totals }),
    connectivity(): ConnectivityCheck[] {
      // A run with no api scenario has nothing to judge: the flow is reported not covered.
      if (totals.sent === 0) return [];
      const client = side.clients[0];
      const profileScopes = [...new Set(partner.api?.clients.flatMap((one) => one.scopes) ?? [])];
      const missingScopes = profileScopes.filter((scope) => !granted.has(scope));
      return [
        {
          check: 'access token obtained',
          flow: 'api',
          ok: tokens.issued > 0 && tokens.issued === tokens.asked,
          detail: `${tokens.issued} of ${tokens.asked} token requests issued a token${client ? ` to ${client.clientId}; client secret ${client.secretSource}` : ''}`,
        },
        {
          check: 'scopes granted',
          flow: 'api',
          ok: tokens.issued > 0 && missingScopes.length === 0,
          detail: `granted ${[...granted].sort().join(' ') || 'none'}; the profile grants ${profileScopes.join(' ')}`,
        },
        {
          check: 'partner API reached',
          flow: 'api',
          ok: calls.sent > 0 && calls.answered === calls.sent,
          detail: `${calls.answered} of ${calls.sent} /v1 requests answered`,
        },
        {
          check: 'rate-limit headers seen',
          flow: 'api',
          ok:
            rateLimited.pastAuthentication > 0 &&
            rateLimited.withHeaders === rateLimited.pastAuthentication,
          detail: `${rateLimited.withHeaders} of ${rateLimited.pastAuthentication} answers past authentication carried RateLimit-Limit, -Remaining and -Reset`,
        },
      ];
    },
  };
}
