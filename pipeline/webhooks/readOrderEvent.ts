import { createHash } from 'node:crypto';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { orderEventSchema, type OrderEvent } from '../../contracts/webhooks/orderEvent.js';
import { compileSchema, describeSchemaErrors } from '../../contracts/schemaValidator.js';
import { canonicalJson } from '../../lib/canonicalJson.js';
import { PIPELINE_ERRORS, type PipelineErrorSpec } from '../http/errors.js';
import { mapPartnerRecord } from '../mapping/fieldMapping.js';
import { parseUtcTimestamp } from '../mapping/utcTimestamp.js';
import { snapshotFromMapped, type OrderSnapshot } from '../orders/orderSnapshot.js';
import { payloadProblems } from './payloadLimits.js';

export interface ReadOrderEvent {
  event: OrderEvent;
  order: OrderSnapshot;
  /** sha256 of the canonical JSON: what "the same payload" means for dedupe. */
  payloadSha256: string;
}

export type ReadOrderEventResult =
  | ({ ok: true } & ReadOrderEvent)
  | { ok: false; error: PipelineErrorSpec; details: Record<string, unknown>[] };

const validateEnvelope = compileSchema<OrderEvent>(orderEventSchema);

export interface ReadContext {
  /** The pipeline's clock: a last-modified time ahead of it (beyond the skew) is refused. */
  nowMs: number;
}

/**
 * Turns a verified body into an order event in our terms: JSON, then the payload limits, then the
 * envelope contract, then the partner's field mapping with its declared rules. Runs only after the
 * signature checked out, so nothing unauthenticated is ever parsed. Problems name the field and
 * the rule, never the value: they reach audit rows, alerts and logs.
 */
export function readOrderEvent(
  profile: PartnerProfile,
  body: Buffer,
  context: ReadContext,
): ReadOrderEventResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return {
      ok: false,
      error: PIPELINE_ERRORS.malformedJson,
      details: [{ reason: jsonSyntaxReason(error) }],
    };
  }
  const limits = payloadProblems(parsed);
  if (limits.length > 0) {
    return { ok: false, error: PIPELINE_ERRORS.invalidEvent, details: limits.map(asDetail) };
  }
  if (!validateEnvelope(parsed)) {
    return {
      ok: false,
      error: PIPELINE_ERRORS.invalidEvent,
      details: describeSchemaErrors(validateEnvelope.errors).map((problem) => ({
        field: problem.path,
        rule: 'contract',
        reason: problem.reason,
      })),
    };
  }
  if (parseUtcTimestamp(parsed.occurred_at) === undefined) {
    return {
      ok: false,
      error: PIPELINE_ERRORS.invalidEvent,
      details: [
        {
          field: '/occurred_at',
          rule: 'datetime',
          reason: 'must be a real UTC ISO-8601 time ending in Z, in year 0001 or later',
        },
      ],
    };
  }
  const rules = profile.field_mapping?.order ?? [];
  const mapped = mapPartnerRecord(rules, parsed.data.order, {
    nowMs: context.nowMs,
    clockSkewS: profile.clock_skew_s,
  });
  if (!mapped.ok) {
    // A version from the future is a policy refusal of its own; anything else breaks the contract.
    const onlyFuture = mapped.problems.every((problem) => problem.rule === 'not_after_now');
    return {
      ok: false,
      error: onlyFuture ? PIPELINE_ERRORS.versionFromFuture : PIPELINE_ERRORS.invalidEvent,
      details: mapped.problems.map((problem) =>
        asDetail({ ...problem, field: `/data/order/${problem.field}` }),
      ),
    };
  }
  return {
    ok: true,
    event: parsed,
    order: snapshotFromMapped(parsed.type, mapped.record),
    payloadSha256: createHash('sha256').update(canonicalJson(parsed)).digest('hex'),
  };
}

function asDetail(problem: { field: string; rule: string; reason: string }) {
  return { field: problem.field, rule: problem.rule, reason: problem.reason };
}

/**
 * Where the JSON broke, without V8's excerpt of the input (which would copy a partner's data,
 * personal data included, into the audit trail).
 */
function jsonSyntaxReason(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message)?.[1];
  if (/Unexpected end of JSON input/.test(message)) return 'not valid JSON: it ends too early';
  return position === undefined
    ? 'not valid JSON'
    : `not valid JSON: it breaks at character ${position}`;
}
