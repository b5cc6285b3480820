import type { DeliveryAuditRecord } from '../../contracts/ops/opsRecords.js';
import { exchangeLabel } from '../exchanges/exchange.js';
import schema from './auditRecorded.schema.json' with { type: 'json' };
import { Findings } from './findings.js';
import { fail, firstDifference, pass, type OracleKind } from './oracleKind.js';
import { readAudit } from './opsReads.js';
import {
  describeSelection,
  nothingSelected,
  selectExchanges,
  type StepOracle,
} from './selectExchanges.js';

type Oracle = StepOracle<{ expect: { outcome: string; error_code?: string } }>;

/** Each selected exchange left exactly one audit row, with the expected outcome and error code. */
export const auditRecorded: OracleKind<Oracle> = {
  kind: 'audit.recorded',
  summary: 'each selected delivery left exactly one audit row with the expected outcome',
  schema,
  title: (oracle) =>
    `${describeSelection(oracle.step, oracle.select)} audited as ${oracle.expect.outcome}${oracle.expect.error_code ? ` (${oracle.expect.error_code})` : ''}`,
  async evaluate(oracle, context) {
    const seen = new Findings<DeliveryAuditRecord>();
    for await (const exchange of selectExchanges(context, oracle.step, oracle.select)) {
      const rows = await readAudit(context, exchange.correlation_id);
      const [row] = rows;
      if (!row || rows.length !== 1)
        return fail(
          1,
          rows.length,
          exchangeLabel(exchange),
          `expected one audit row, found ${rows.length}`,
        );
      const difference = firstDifference(oracle.expect, {
        outcome: row.outcome,
        error_code: row.error_code ?? undefined,
      });
      if (difference) {
        return fail(
          difference.expected,
          difference.actual,
          `${exchangeLabel(exchange)}, audit ${difference.field}`,
          `audit ${difference.field}: expected ${JSON.stringify(difference.expected)}, got ${JSON.stringify(difference.actual)}`,
        );
      }
      seen.add(row);
    }
    if (seen.count === 0)
      return nothingSelected(context, oracle.expect, oracle.step, oracle.select);
    return pass(oracle.expect, seen.value(), `${seen.count} audit row(s) as expected`);
  },
};
