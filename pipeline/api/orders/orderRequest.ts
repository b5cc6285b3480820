import { createHash } from 'node:crypto';
import type {
  FieldMappingRule,
  PartnerProfile,
} from '../../../contracts/partners/partnerProfile.js';
import { canonicalJson } from '../../../lib/canonicalJson.js';
import { mapPartnerRecord } from '../../mapping/fieldMapping.js';
import { payloadProblems } from '../../webhooks/payloadLimits.js';
import { ORDER_API_ERRORS, type OrderApiErrorSpec } from './orderApiErrors.js';

/** A new order as `POST /v1/orders` carries it, in our field names, checked. */
export interface OrderRequest {
  orderId: string;
  totalAmount: number;
  currency: string;
  /** Mapped fields beyond the four above (buyer_email). */
  attributes: Record<string, string | number>;
}

export type ReadOrderRequestResult =
  | {
      ok: true;
      order: OrderRequest;
      /** sha256 of the canonical JSON: "the same request". */ requestSha256: string;
    }
  | { ok: false; error: OrderApiErrorSpec; details: Record<string, unknown>[] };

/**
 * The fields the API takes, each with the rule it is checked by when the partner's mapping has
 * none for it. The version time is not among them: for an order created here it is our clock.
 */
const API_ORDER_FIELDS: FieldMappingRule[] = [
  { ours: 'order_id', partner: 'order_id', type: 'string', required: true, max_length: 128 },
  { ours: 'total_amount', partner: 'total_amount', type: 'integer', required: true, minimum: 0 },
  { ours: 'currency', partner: 'currency', type: 'currency', required: true },
  {
    ours: 'buyer_email',
    partner: 'buyer_email',
    type: 'string',
    required: false,
    pii: true,
    max_length: 254,
  },
];

/** Problems reported at most; the rest are the same kind of mistake. */
const MAX_DETAILS = 10;

/**
 * Reads a POST body the way the webhook inbox reads a partner's order: JSON, the payload limits
 * (I-JSON text, depth, sizes), then each field by its mapping rule: the partner profile's rule for
 * that field where it has one (p_001's TotalGross ≥ 1 holds for total_amount here too), ours
 * otherwise. Unlike a webhook, a field the API does not know is refused: this is our contract, and
 * a misspelt optional field would otherwise vanish without a word. Details name the field and the
 * rule, never the value.
 */
export function readOrderRequest(
  profile: PartnerProfile | undefined,
  body: Buffer,
  nowMs: number,
): ReadOrderRequestResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: ORDER_API_ERRORS.malformedJson, details: [] };
  }
  const limits = payloadProblems(parsed, MAX_DETAILS);
  if (limits.length > 0) return invalid(limits);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return invalid([{ field: '', rule: 'type', reason: 'must be a JSON object' }]);

  const rules = apiOrderRules(profile);
  const unknown = Object.keys(parsed)
    .filter((name) => !rules.some((rule) => rule.ours === name))
    .slice(0, MAX_DETAILS)
    .map((name) => ({
      field: pointer(name),
      rule: 'unknown_field',
      reason:
        name === 'updated_at'
          ? "is set by the pipeline's clock, not by the caller"
          : 'is not a field of an order',
    }));
  if (unknown.length > 0) return invalid(unknown);

  const mapped = mapPartnerRecord(rules, parsed as Record<string, unknown>, {
    nowMs,
    clockSkewS: profile?.clock_skew_s,
  });
  if (!mapped.ok)
    return invalid(
      mapped.problems.slice(0, MAX_DETAILS).map((problem) => ({
        field: pointer(problem.field),
        rule: problem.rule,
        reason: problem.reason,
      })),
    );
  const { order_id, total_amount, currency, ...attributes } = mapped.record;
  return {
    ok: true,
    order: {
      orderId: String(order_id),
      totalAmount: Number(total_amount),
      currency: String(currency),
      attributes,
    },
    requestSha256: createHash('sha256').update(canonicalJson(parsed)).digest('hex'),
  };
}

/** Our field names, each checked by the partner's own rule for it if its mapping has one. */
export function apiOrderRules(profile: PartnerProfile | undefined): FieldMappingRule[] {
  const partnerRules = profile?.field_mapping?.order ?? [];
  return API_ORDER_FIELDS.map((field) => {
    const own = partnerRules.find((rule) => rule.ours === field.ours && rule.type === field.type);
    // Which fields are required is the API's contract, whatever the mapping says.
    return own ? { ...own, partner: field.ours, required: field.required } : field;
  });
}

function invalid(
  details: { field: string; rule: string; reason: string }[],
): ReadOrderRequestResult {
  return {
    ok: false,
    error: ORDER_API_ERRORS.invalidOrder,
    details: details.map(({ field, rule, reason }) => ({ field, rule, reason })),
  };
}

/** RFC 6901: a member name as a JSON pointer. */
function pointer(name: string): string {
  return `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}
