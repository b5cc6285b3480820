import { fail, firstDifference, pass, type OracleKind } from './oracleKind.js';
import {
  answerOf,
  deliveryLabel,
  describeSelection,
  selectDeliveries,
  type StepOracle,
  nothingSelected,
} from './selectDeliveries.js';

type Oracle = StepOracle<{
  expect: Record<string, unknown>;
}>;

/** Every selected delivery got the expected answer: status, outcome, effect, error code. */
export const deliveryResponse: OracleKind<Oracle> = {
  kind: 'delivery.response',
  summary:
    'each selected delivery of a step got the expected answer (status, outcome, effect, error code)',
  title: (oracle) =>
    `${describeSelection(oracle.step, oracle.select)} answered ${JSON.stringify(oracle.expect)}`,
  async evaluate(oracle, context) {
    const records = selectDeliveries(context, oracle.step, oracle.select);
    if (records.length === 0) return nothingSelected(oracle.expect, oracle.step, oracle.select);
    const answers = records.map(answerOf);
    for (const [index, record] of records.entries()) {
      const difference = firstDifference(oracle.expect, answers[index] as Record<string, unknown>);
      if (difference) {
        return fail(
          difference.expected,
          difference.actual,
          `${deliveryLabel(record)}, field ${difference.field}`,
          `${difference.field}: expected ${JSON.stringify(difference.expected)}, got ${JSON.stringify(difference.actual)}`,
        );
      }
    }
    return pass(
      oracle.expect,
      answers,
      `${records.length} ${records.length === 1 ? 'delivery' : 'deliveries'} answered as expected`,
    );
  },
};
