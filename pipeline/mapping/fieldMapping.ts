import type { FieldMappingRule } from '../../contracts/partners/partnerProfile.js';

export interface MappingProblem {
  /** The partner's field name. */
  field: string;
  reason: string;
}

export type MappingResult =
  { ok: true; record: Record<string, string | number> } | { ok: false; problems: MappingProblem[] };

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * A partner's record in our field names, with each value checked against its declared type.
 * Fields the mapping does not name are ignored (a tolerant reader: partners add fields).
 */
export function mapPartnerRecord(
  rules: FieldMappingRule[],
  record: Record<string, unknown>,
): MappingResult {
  const mapped: Record<string, string | number> = {};
  const problems: MappingProblem[] = [];
  for (const rule of rules) {
    const value = record[rule.partner];
    if (value === undefined || value === null) {
      if (rule.required !== false) problems.push({ field: rule.partner, reason: 'is required' });
      continue;
    }
    const converted = convert(rule, value);
    if (typeof converted === 'object')
      problems.push({ field: rule.partner, reason: converted.reason });
    else mapped[rule.ours] = converted;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, record: mapped };
}

function convert(rule: FieldMappingRule, value: unknown): string | number | { reason: string } {
  switch (rule.type) {
    case 'string':
      return typeof value === 'string' && value.length > 0
        ? value
        : { reason: 'must be a non-empty string' };
    case 'integer':
      return Number.isSafeInteger(value)
        ? (value as number)
        : { reason: 'must be an integer (minor units)' };
    case 'currency':
      return typeof value === 'string' && /^[A-Z]{3}$/.test(value)
        ? value
        : { reason: 'must be an ISO-4217 code like EUR' };
    case 'datetime': {
      // Year 0000 parses in JavaScript but no PostgreSQL timestamp can hold it.
      if (
        typeof value !== 'string' ||
        !ISO_UTC.test(value) ||
        Number.isNaN(Date.parse(value)) ||
        value.startsWith('0000')
      ) {
        return { reason: 'must be a UTC ISO-8601 time ending in Z' };
      }
      return new Date(value).toISOString();
    }
  }
}
