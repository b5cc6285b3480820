import { createHash } from 'node:crypto';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { orderEventSchema, type OrderEvent } from '../../contracts/webhooks/orderEvent.js';
import { compileSchema, describeSchemaErrors } from '../../contracts/schemaValidator.js';
import { canonicalJson } from '../../lib/canonicalJson.js';
import { PIPELINE_ERRORS, type PipelineErrorSpec } from '../http/errors.js';
import { mapPartnerRecord } from '../mapping/fieldMapping.js';
import { snapshotFromMapped, type OrderSnapshot } from '../orders/orderSnapshot.js';

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

/**
 * Turns a verified body into an order event in our terms: JSON, then the envelope contract, then
 * the partner's field mapping. Runs only after the signature checked out, so nothing unauthenticated
 * is ever parsed.
 */
export function readOrderEvent(profile: PartnerProfile, body: Buffer): ReadOrderEventResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return {
      ok: false,
      error: PIPELINE_ERRORS.malformedJson,
      details: [{ reason: (error as Error).message }],
    };
  }
  if (!validateEnvelope(parsed)) {
    return {
      ok: false,
      error: PIPELINE_ERRORS.invalidEvent,
      details: describeSchemaErrors(validateEnvelope.errors).map((problem) => ({
        field: problem.path,
        reason: problem.reason,
      })),
    };
  }
  if (parsed.occurred_at.startsWith('0000')) {
    // JSON Schema's date-time allows year 0000; PostgreSQL cannot store it (the insert would fail).
    return {
      ok: false,
      error: PIPELINE_ERRORS.invalidEvent,
      details: [{ field: '/occurred_at', reason: 'must be in year 0001 or later' }],
    };
  }
  const rules = profile.field_mapping?.order ?? [];
  const mapped = mapPartnerRecord(rules, parsed.data.order);
  if (!mapped.ok) {
    return {
      ok: false,
      error: PIPELINE_ERRORS.invalidEvent,
      details: mapped.problems.map((problem) => ({
        field: `/data/order/${problem.field}`,
        reason: problem.reason,
      })),
    };
  }
  return {
    ok: true,
    event: parsed,
    order: snapshotFromMapped(parsed.type, mapped.record),
    payloadSha256: createHash('sha256').update(canonicalJson(parsed)).digest('hex'),
  };
}
