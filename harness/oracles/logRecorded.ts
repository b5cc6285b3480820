import { fail, pass, type OracleKind } from './oracleKind.js';
import {
  deliveryLabel,
  describeSelection,
  selectDeliveries,
  type StepOracle,
  nothingSelected,
} from './selectDeliveries.js';

type Oracle = StepOracle<{ message: string }>;

/** How long to wait for a log line to trail the answer it belongs to. */
const LOG_LINE_GRACE_MS = 5_000;

/**
 * The pipeline logged, for each selected delivery, a line (with its correlation id) whose message
 * contains the given text. Only for the bundled pipeline: a remote SUT's log is not ours to read,
 * so there the oracle is skipped, and says so.
 */
export const logRecorded: OracleKind<Oracle> = {
  kind: 'log.recorded',
  summary: 'the pipeline logged a matching line for each selected delivery (bundled pipeline only)',
  title: (oracle) =>
    `the pipeline logged "${oracle.message}" for ${describeSelection(oracle.step, oracle.select)}`,
  async evaluate(oracle, context) {
    const log = context.sut.log;
    if (!log)
      return {
        verdict: 'skipped',
        expected: oracle.message,
        actual: null,
        message: 'the pipeline log of a remote SUT is not available',
      };
    const records = selectDeliveries(context, oracle.step, oracle.select);
    if (records.length === 0) return nothingSelected(oracle.message, oracle.step, oracle.select);
    const lines: unknown[] = [];
    for (const record of records) {
      const line = await log.waitFor(
        (candidate) =>
          candidate.correlation_id === record.correlationId &&
          typeof candidate.msg === 'string' &&
          candidate.msg.includes(oracle.message),
        LOG_LINE_GRACE_MS,
      );
      if (!line) {
        const seen = log.excerpt(record.correlationId).map((candidate) => candidate.msg);
        return fail(
          oracle.message,
          seen,
          deliveryLabel(record),
          `no log line containing "${oracle.message}" (lines seen: ${JSON.stringify(seen)})`,
        );
      }
      lines.push(line);
    }
    return pass(oracle.message, lines, `${lines.length} log line(s) found`);
  },
};
