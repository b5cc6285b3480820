import type { OracleDocument } from '../../../../contracts/scenarios/scenario.js';
import { exchangeLabel, plural, type Exchange } from '../../../exchanges/exchange.js';
import { Findings } from '../../../oracles/findings.js';
import { fail, firstDifference, pass, type OracleKind } from '../../../oracles/oracleKind.js';
import { answerFields } from '../../../oracles/selectExchanges.js';
import type { ScenarioContext } from '../../../run/scenarioContext.js';
import schema from './apiResponse.schema.json' with { type: 'json' };

interface ApiSelect {
  operation?: string;
  fault?: string;
  without_fault?: string;
  status?: number;
  nth?: number;
  last?: true;
}

interface ApiExpect {
  status?: number | number[];
  error_code?: string;
  outcome?: string;
  effect?: string;
  retry_after?: boolean;
  rate_limit_headers?: boolean;
}

type Oracle = OracleDocument & {
  step: string;
  select?: ApiSelect;
  expect: ApiExpect;
  at_least?: number;
};

/** What an API call got back, in the terms `expect` uses. */
type ApiAnswer = ReturnType<typeof answerFields> & {
  retry_after: boolean;
  rate_limit_headers: boolean;
};

/**
 * Every selected call of a step got the expected answer, and every answer kept the contract
 * (contracts/api/openapi.json: status declared, body and headers as declared). `status` may list
 * several (a burst is answered 200 or 429, as the rate window falls); `at_least` says how many
 * calls the selection must hold, so "some were refused" is a claim, not a hope.
 */
export const apiResponse: OracleKind<Oracle> = {
  kind: 'api.response',
  summary:
    'each selected call of a step got the expected answer (status, error code, Retry-After, rate-limit headers), within the contract',
  schema,
  title: (oracle) =>
    `${describeSelect(oracle.step, oracle.select)} answered ${JSON.stringify(oracle.expect)}${(oracle.at_least ?? 1) > 1 ? ` (at least ${oracle.at_least})` : ''}, within the contract`,
  async evaluate(oracle, context) {
    const answers = new Findings<ApiAnswer & { request: string }>();
    for await (const exchange of selected(context, oracle.step, oracle.select ?? {})) {
      const answer = apiAnswer(exchange);
      const { status, ...rest } = oracle.expect;
      const statuses = status === undefined ? undefined : [status].flat();
      if (statuses && !statuses.includes(answer.status))
        return fail(
          status,
          answer.status,
          `${exchangeLabel(exchange)}, field status`,
          `status: expected ${statuses.join(' or ')}, got ${answer.status}${answer.error_code ? ` ${answer.error_code}` : ''}`,
        );
      const difference = firstDifference(rest, answer);
      if (difference)
        return fail(
          difference.expected,
          difference.actual,
          `${exchangeLabel(exchange)}, field ${difference.field}`,
          `${difference.field}: expected ${JSON.stringify(difference.expected)}, got ${JSON.stringify(difference.actual)}`,
        );
      const problems = exchange.facts?.contract_problems;
      if (problems !== undefined)
        return fail(
          'an answer valid against contracts/api/openapi.json',
          problems.split('\n'),
          exchangeLabel(exchange),
          `the answer breaks contracts/api/openapi.json: ${problems.split('\n')[0]}`,
        );
      answers.add({ request: exchange.correlation_id, ...answer });
    }
    const atLeast = oracle.at_least ?? 1;
    const noun = context.exchanges.noun(oracle.step);
    if (answers.count < atLeast)
      return fail(
        `at least ${atLeast} ${plural(noun, atLeast)}`,
        answers.value(),
        describeSelect(oracle.step, oracle.select),
        answers.count === 0
          ? `no ${noun} matched the selection`
          : `only ${answers.count} ${plural(noun, answers.count)} matched the selection`,
      );
    return pass(
      oracle.expect,
      answers.value(),
      `${answers.count} ${plural(noun, answers.count)} answered as expected, within the contract`,
    );
  },
};

function apiAnswer(exchange: Exchange): ApiAnswer {
  return {
    ...answerFields(exchange.answer),
    retry_after: isRetryAfter(exchange.facts?.retry_after),
    rate_limit_headers: exchange.facts?.rate_limit !== undefined,
  };
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP date. */
function isRetryAfter(value: string | undefined): boolean {
  if (value === undefined) return false;
  return /^\d+$/.test(value.trim()) || !Number.isNaN(Date.parse(value));
}

/** The step's calls the selection names, in the order made: streamed, but for `last`. */
async function* selected(
  context: ScenarioContext,
  step: string,
  select: ApiSelect,
): AsyncGenerator<Exchange> {
  let position = 0;
  let last: Exchange | undefined;
  for await (const exchange of context.exchanges.read(step)) {
    if (select.operation !== undefined && exchange.facts?.operation !== select.operation) continue;
    if (select.fault !== undefined && !exchange.faults.includes(select.fault)) continue;
    if (select.without_fault !== undefined && exchange.faults.includes(select.without_fault))
      continue;
    if (select.status !== undefined && exchange.answer.status !== select.status) continue;
    if (select.last) {
      last = exchange;
      continue;
    }
    if (select.nth !== undefined) {
      if (position++ !== select.nth) continue;
      yield exchange;
      return;
    }
    yield exchange;
  }
  if (last) yield last;
}

function describeSelect(step: string, select: ApiSelect = {}): string {
  const parts = [
    select.operation && `${select.operation}`,
    select.fault && `with fault ${select.fault}`,
    select.without_fault && `without fault ${select.without_fault}`,
    select.status !== undefined && `answered ${select.status}`,
    select.nth !== undefined && `#${select.nth}`,
    select.last && 'the last',
  ].filter(Boolean);
  return `step "${step}"${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}
