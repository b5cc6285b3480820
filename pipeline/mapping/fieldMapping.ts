import {
  DEFAULT_CLOCK_SKEW_S,
  DEFAULT_MAX_LENGTH,
  type FieldMappingRule,
} from '../../contracts/partners/partnerProfile.js';
import { isOrderCurrency } from './currencyCode.js';
import { parseUtcTimestamp } from './utcTimestamp.js';

export interface MappingProblem {
  /** The partner's field name. */
  field: string;
  /** Which declared rule the value broke: the field's type, or one of its options. */
  rule:
    'required' | FieldMappingRule['type'] | 'max_length' | 'minimum' | 'maximum' | 'not_after_now';
  /** Why, without quoting the value (problems reach audit rows, alerts and logs). */
  reason: string;
}

export interface MappingContext {
  /** The pipeline's clock, for `not_after_now`. */
  nowMs: number;
  /** How far ahead of `nowMs` a `not_after_now` time may be. */
  clockSkewS?: number;
}

export type MappingResult =
  { ok: true; record: Record<string, string | number> } | { ok: false; problems: MappingProblem[] };

type Converted = string | number | Omit<MappingProblem, 'field'>;

/**
 * A partner's record in our field names, with each value checked against its declared type and
 * the rule's options. Fields the mapping does not name are ignored (a tolerant reader: partners
 * add fields).
 */
export function mapPartnerRecord(
  rules: FieldMappingRule[],
  record: Record<string, unknown>,
  context: MappingContext,
): MappingResult {
  const mapped: Record<string, string | number> = {};
  const problems: MappingProblem[] = [];
  for (const rule of rules) {
    const value = Object.hasOwn(record, rule.partner) ? record[rule.partner] : undefined;
    if (value === undefined || value === null) {
      if (rule.required !== false)
        problems.push({ field: rule.partner, rule: 'required', reason: 'is required' });
      continue;
    }
    const converted = convert(rule, value, context);
    if (typeof converted === 'object') problems.push({ field: rule.partner, ...converted });
    else mapped[rule.ours] = converted;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, record: mapped };
}

function convert(rule: FieldMappingRule, value: unknown, context: MappingContext): Converted {
  switch (rule.type) {
    case 'string':
      return text(rule, value);
    case 'integer':
      return integer(rule, value);
    case 'currency':
      return typeof value === 'string' && isOrderCurrency(value)
        ? value
        : { rule: 'currency', reason: 'must be an ISO 4217 currency code like EUR' };
    case 'datetime':
      return datetime(rule, value, context);
  }
}

function text(rule: FieldMappingRule, value: unknown): Converted {
  if (typeof value !== 'string' || value.trim().length === 0)
    return { rule: 'string', reason: 'must be a non-blank string' };
  // Control characters (C0, DEL, C1) have no place in an id or a name, and break logs and files.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value))
    return { rule: 'string', reason: 'must not contain control characters' };
  const maxLength = rule.max_length ?? DEFAULT_MAX_LENGTH;
  if ([...value].length > maxLength)
    return { rule: 'max_length', reason: `must be at most ${maxLength} characters` };
  return value;
}

function integer(rule: FieldMappingRule, value: unknown): Converted {
  if (!Number.isSafeInteger(value))
    return { rule: 'integer', reason: 'must be an integer (minor units)' };
  const number = value as number;
  if (rule.minimum !== undefined && number < rule.minimum)
    return { rule: 'minimum', reason: `must be at least ${rule.minimum}` };
  if (rule.maximum !== undefined && number > rule.maximum)
    return { rule: 'maximum', reason: `must be at most ${rule.maximum}` };
  return number;
}

function datetime(rule: FieldMappingRule, value: unknown, context: MappingContext): Converted {
  const ms = typeof value === 'string' ? parseUtcTimestamp(value) : undefined;
  if (ms === undefined)
    return {
      rule: 'datetime',
      reason: 'must be a real UTC ISO-8601 time ending in Z, e.g. 2026-01-15T12:00:00Z',
    };
  const skewS = context.clockSkewS ?? DEFAULT_CLOCK_SKEW_S;
  if (rule.not_after_now && ms > context.nowMs + skewS * 1000) {
    const aheadS = Math.round((ms - context.nowMs) / 1000);
    return {
      rule: 'not_after_now',
      reason: `is ${aheadS} s ahead of our clock; at most ${skewS} s is allowed`,
    };
  }
  return new Date(ms).toISOString();
}
