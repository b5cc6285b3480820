import { fail, firstDifference, pass, type OracleKind } from './oracleKind.js';
import { readAudit } from './opsReads.js';
import {
  deliveryLabel,
  describeSelection,
  selectDeliveries,
  type StepOracle,
  nothingSelected,
} from './selectDeliveries.js';

type Oracle = StepOracle<{ expect: { outcome: string; error_code?: string } }>;

/** Each selected delivery left exactly one audit row, with the expected outcome and error code. */
export const auditRecorded: OracleKind<Oracle> = {
  kind: 'audit.recorded',
  summary: 'each selected delivery left exactly one audit row with the expected outcome',
  title: (oracle) =>
    `${describeSelection(oracle.step, oracle.select)} audited as ${oracle.expect.outcome}${oracle.expect.error_code ? ` (${oracle.expect.error_code})` : ''}`,
  async evaluate(oracle, context) {
    const records = selectDeliveries(context, oracle.step, oracle.select);
    if (records.length === 0) return nothingSelected(oracle.expect, oracle.step, oracle.select);
    const seen: unknown[] = [];
    for (const record of records) {
      const rows = await readAudit(context, record.correlationId);
      if (rows.length !== 1)
        return fail(
          1,
          rows.length,
          deliveryLabel(record),
          `expected one audit row, found ${rows.length}`,
        );
      const row = rows[0] as { outcome: string; error_code: string | null };
      const difference = firstDifference(oracle.expect, {
        outcome: row.outcome,
        error_code: row.error_code ?? undefined,
      });
      if (difference) {
        return fail(
          difference.expected,
          difference.actual,
          `${deliveryLabel(record)}, audit ${difference.field}`,
          `audit ${difference.field}: expected ${JSON.stringify(difference.expected)}, got ${JSON.stringify(difference.actual)}`,
        );
      }
      seen.push(row);
    }
    return pass(oracle.expect, seen, `${records.length} audit row(s) as expected`);
  },
};
