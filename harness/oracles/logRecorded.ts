import type { PipelineLogLine } from '../sut/pipelineLog.js';
import { exchangeLabel } from '../exchanges/exchange.js';
import { Findings } from './findings.js';
import schema from './logRecorded.schema.json' with { type: 'json' };
import { fail, pass, type OracleKind } from './oracleKind.js';
import {
  describeSelection,
  nothingSelected,
  selectExchanges,
  type StepOracle,
} from './selectExchanges.js';

type Oracle = StepOracle<{ message: string }>;

/** How long to wait for a log line to trail the answer it belongs to. */
const LOG_LINE_GRACE_MS = 5_000;

/**
 * The pipeline logged, for each selected exchange, a line (with its correlation id) whose message
 * contains the given text. Only for the bundled pipeline: a remote SUT's log is not ours to read,
 * so there the oracle is skipped, and says so.
 */
export const logRecorded: OracleKind<Oracle> = {
  kind: 'log.recorded',
  summary: 'the pipeline logged a matching line for each selected delivery (bundled pipeline only)',
  schema,
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
    const lines = new Findings<PipelineLogLine>();
    for await (const exchange of selectExchanges(context, oracle.step, oracle.select)) {
      const line = await log.waitFor(
        (candidate) =>
          candidate.correlation_id === exchange.correlation_id &&
          typeof candidate.msg === 'string' &&
          candidate.msg.includes(oracle.message),
        LOG_LINE_GRACE_MS,
      );
      if (!line) {
        const seen = log.excerpt(exchange.correlation_id).map((candidate) => candidate.msg);
        return fail(
          oracle.message,
          seen,
          exchangeLabel(exchange),
          `no log line containing "${oracle.message}" (lines seen: ${JSON.stringify(seen)})`,
        );
      }
      lines.add(line);
    }
    if (lines.count === 0)
      return nothingSelected(context, oracle.message, oracle.step, oracle.select);
    return pass(oracle.message, lines.value(), `${lines.count} log line(s) found`);
  },
};
