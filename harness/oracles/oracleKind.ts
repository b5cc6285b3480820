import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import type { KindSchema } from '../flows/kindSchema.js';
import type { ScenarioContext } from '../run/scenarioContext.js';

/** An oracle's judgement: what it expected, what it found, and where they differ. */
export interface OracleCheck {
  verdict: 'pass' | 'fail' | 'skipped';
  expected: unknown;
  actual: unknown;
  /** Where a failure is: exchange, event id, field. */
  where?: string;
  message: string;
}

/**
 * An oracle kind: a check of what the system under test really did, read only through its public
 * surfaces (ops API, /metrics, its answers as the exchange log holds them, its log when we
 * started it). One per file with its schema beside it; the general ones are registered in
 * index.ts, those about one mode's own surfaces come with its flow.
 */
export interface OracleKind<Oracle extends OracleDocument = OracleDocument> {
  kind: string;
  summary: string;
  schema: KindSchema;
  /** The check in one sentence, for the report. */
  title(oracle: Oracle): string;
  evaluate(oracle: Oracle, context: ScenarioContext): Promise<OracleCheck>;
}

export function pass(expected: unknown, actual: unknown, message: string): OracleCheck {
  return { verdict: 'pass', expected, actual, message };
}

export function fail(
  expected: unknown,
  actual: unknown,
  where: string,
  message: string,
): OracleCheck {
  return { verdict: 'fail', expected, actual, where, message };
}

/** The first field of `expected` whose value differs in `actual`. */
export function firstDifference(
  expected: Record<string, unknown>,
  actual: Record<string, unknown>,
): { field: string; expected: unknown; actual: unknown } | undefined {
  for (const [field, value] of Object.entries(expected)) {
    if (value === undefined) continue;
    if (JSON.stringify(actual[field]) !== JSON.stringify(value))
      return { field, expected: value, actual: actual[field] };
  }
  return undefined;
}
