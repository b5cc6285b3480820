import { exchangeLabel, plural } from '../exchanges/exchange.js';
import { Findings } from './findings.js';
import { fail, firstDifference, pass, type OracleKind } from './oracleKind.js';
import schema from './deliveryResponse.schema.json' with { type: 'json' };
import {
  answerFields,
  describeSelection,
  nothingSelected,
  selectExchanges,
  type StepOracle,
} from './selectExchanges.js';

type Oracle = StepOracle<{
  expect: Record<string, unknown>;
}>;

/** Every selected exchange got the expected answer: status, outcome, effect, error code. */
export const deliveryResponse: OracleKind<Oracle> = {
  kind: 'delivery.response',
  summary:
    'each selected delivery of a step got the expected answer (status, outcome, effect, error code)',
  schema,
  title: (oracle) =>
    `${describeSelection(oracle.step, oracle.select)} answered ${JSON.stringify(oracle.expect)}`,
  async evaluate(oracle, context) {
    const answers = new Findings<ReturnType<typeof answerFields>>();
    for await (const exchange of selectExchanges(context, oracle.step, oracle.select)) {
      const answer = answerFields(exchange.answer);
      const difference = firstDifference(oracle.expect, answer);
      if (difference) {
        return fail(
          difference.expected,
          difference.actual,
          `${exchangeLabel(exchange)}, field ${difference.field}`,
          `${difference.field}: expected ${JSON.stringify(difference.expected)}, got ${JSON.stringify(difference.actual)}`,
        );
      }
      answers.add(answer);
    }
    if (answers.count === 0)
      return nothingSelected(context, oracle.expect, oracle.step, oracle.select);
    const noun = context.exchanges.noun(oracle.step);
    return pass(
      oracle.expect,
      answers.value(),
      `${answers.count} ${plural(noun, answers.count)} answered as expected`,
    );
  },
};
