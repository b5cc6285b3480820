import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import schema from './deliveryTally.schema.json' with { type: 'json' };
import { fail, pass, type OracleKind } from './oracleKind.js';
import { selectExchanges } from './selectExchanges.js';

type Oracle = OracleDocument & { step: string; expect: Record<string, number> };

/**
 * How a step's exchanges ended, counted: `processed`, `replayed`, an error code, or `no_answer`.
 * The tally must equal the expectation exactly, e.g. a burst of 5: 1 processed, 4 replayed.
 */
export const deliveryTally: OracleKind<Oracle> = {
  kind: 'delivery.tally',
  summary: "a step's deliveries, counted by how they ended, equal the expected tally exactly",
  schema,
  title: (oracle) =>
    `step "${oracle.step}" ended ${Object.entries(oracle.expect)
      .map(([key, count]) => `${count} ${key}`)
      .join(', ')}`,
  async evaluate(oracle, context) {
    const tally: Record<string, number> = {};
    for await (const { answer } of selectExchanges(context, oracle.step)) {
      const key =
        answer.status === 0
          ? 'no_answer'
          : (answer.outcome ?? answer.error_code ?? `http_${answer.status}`);
      tally[key] = (tally[key] ?? 0) + 1;
    }
    const keys = new Set([...Object.keys(oracle.expect), ...Object.keys(tally)]);
    for (const key of [...keys].sort()) {
      if ((oracle.expect[key] ?? 0) !== (tally[key] ?? 0)) {
        return fail(
          oracle.expect,
          tally,
          `step "${oracle.step}", ${key}`,
          `${key}: expected ${oracle.expect[key] ?? 0}, got ${tally[key] ?? 0}`,
        );
      }
    }
    return pass(oracle.expect, tally, 'tally as expected');
  },
};
