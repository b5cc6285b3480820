import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import type { Exchange } from '../../exchanges/exchange.js';
import type { ConnectivityCheck, FlowExchanges } from '../../model/runResult.js';
import type { FirstContact } from '../../sut/firstContact.js';
import type { FlowPartnerReport } from '../flow.js';
import type { WebhookSide } from './webhookCredentials.js';

const SCHEMES = ['x-signature', 'standard-webhooks'] as const;

/**
 * The webhook flow's account of one partner: deliveries counted by how the inbox answered, and
 * the connectivity a certifying team checks first: the partner is registered with a secret, the
 * inbox answers, and correctly signed deliveries are accepted under each scheme that was used.
 * Counts only, so a run of any size costs the same memory.
 */
export function webhookReport(partner: PartnerProfile, side: WebhookSide): FlowPartnerReport {
  const totals: FlowExchanges = { sent: 0, acknowledged: 0, refused: 0, failed: 0 };
  let answered = 0;
  /** Per scheme: deliveries no fault touched, and how many of those the signature check let by. */
  const clean = new Map<string, { sent: number; accepted: number }>();
  return {
    count(exchange: Exchange) {
      totals.sent += 1;
      totals[exchange.answer.acknowledgment] += 1;
      const status = exchange.answer.status;
      if (status > 0) answered += 1;
      const scheme = exchange.facts?.scheme;
      if (scheme === undefined || exchange.faults.length > 0) return;
      const tally = clean.get(scheme) ?? { sent: 0, accepted: 0 };
      tally.sent += 1;
      // Only a 401 refuses the signature: a correctly signed delivery may still be refused for
      // what it carries (409 conflict, 400 malformed JSON, 413 too large), its signature accepted.
      if (status > 0 && status !== 401) tally.accepted += 1;
      clean.set(scheme, tally);
    },
    exchanges: () => ({ ...totals }),
    connectivity(contact: FirstContact): ConnectivityCheck[] {
      const registered = contact.registeredPartners?.find(
        (candidate) => candidate.partner_id === partner.partner_id,
      );
      const checks: ConnectivityCheck[] = [
        {
          check: 'partner registered for webhooks',
          flow: 'webhook',
          ok: Boolean(registered?.webhook && registered.webhook.secrets_configured > 0),
          detail: registered?.webhook
            ? `schemes ${registered.webhook.signature_schemes.join(', ')}; ${registered.webhook.secrets_configured} secret(s) configured; shared secret ${side.secretSource}`
            : 'not listed by GET /ops/partners with a webhook inbox',
        },
        {
          check: 'webhook inbox reached',
          flow: 'webhook',
          ok: totals.sent > 0 && answered === totals.sent,
          detail: `${answered} of ${totals.sent} requests answered`,
        },
      ];
      for (const scheme of SCHEMES) {
        const tally = clean.get(scheme);
        if (!tally) continue;
        checks.push({
          check: `signature accepted (${scheme})`,
          flow: 'webhook',
          ok: tally.accepted === tally.sent,
          detail: `${tally.accepted} of ${tally.sent} correctly signed deliveries accepted`,
        });
      }
      return checks;
    },
  };
}
