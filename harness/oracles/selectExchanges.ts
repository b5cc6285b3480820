import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import type { Exchange, ExchangeAnswer } from '../exchanges/exchange.js';
import type { ScenarioContext } from '../run/scenarioContext.js';
import { fail, type OracleCheck } from './oracleKind.js';

export interface ExchangeSelect {
  fault?: string;
  without_fault?: string;
  nth?: number;
}

/** An oracle about some of one step's exchanges: `step`, and optionally `select`. */
export type StepOracle<Fields> = OracleDocument & {
  step: string;
  select?: ExchangeSelect;
} & Fields;

/**
 * The exchanges of a step an oracle looks at: all, those a fault shaped, or the nth (after the
 * fault filters). Streamed from the scenario's exchange log, so a storm of 200,000 deliveries is
 * judged one at a time.
 */
export async function* selectExchanges(
  context: ScenarioContext,
  stepId: string,
  select: ExchangeSelect = {},
): AsyncGenerator<Exchange> {
  let position = 0;
  for await (const exchange of context.exchanges.read(stepId)) {
    if (select.fault !== undefined && !exchange.faults.includes(select.fault)) continue;
    if (select.without_fault !== undefined && exchange.faults.includes(select.without_fault))
      continue;
    if (select.nth !== undefined) {
      if (position++ !== select.nth) continue;
      yield exchange;
      return;
    }
    yield exchange;
  }
}

export function describeSelection(stepId: string, select: ExchangeSelect = {}): string {
  const parts = [
    select.fault && `with fault ${select.fault}`,
    select.without_fault && `without fault ${select.without_fault}`,
    select.nth !== undefined && `#${select.nth}`,
  ].filter(Boolean);
  return `step "${stepId}"${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** What the receiver answered, in the terms a scenario's `expect` uses. */
export function answerFields(answer: ExchangeAnswer): {
  status: number;
  outcome?: string;
  effect?: string;
  error_code?: string;
} {
  return {
    status: answer.status,
    ...(answer.outcome !== undefined ? { outcome: answer.outcome } : {}),
    ...(answer.effect !== undefined ? { effect: answer.effect } : {}),
    ...(answer.error_code !== undefined ? { error_code: answer.error_code } : {}),
  };
}

/** The failure of an oracle whose selection matched nothing: it checked nothing. */
export function nothingSelected(
  context: ScenarioContext,
  expected: unknown,
  stepId: string,
  select?: ExchangeSelect,
): OracleCheck {
  return fail(
    expected,
    [],
    describeSelection(stepId, select),
    `no ${context.exchanges.noun(stepId)} matched the selection`,
  );
}
