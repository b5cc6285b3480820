import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import { exchangeLabel, plural } from '../exchanges/exchange.js';
import schema from './alertNone.schema.json' with { type: 'json' };
import { fail, pass, type OracleKind } from './oracleKind.js';
import { readAlerts } from './opsReads.js';
import { selectExchanges } from './selectExchanges.js';

type Oracle = OracleDocument & { steps: string[] };

/** Healthy traffic raises no alerts: none for any exchange of these steps. */
export const alertNone: OracleKind<Oracle> = {
  kind: 'alert.none',
  summary: 'no alert was raised for any delivery of the given steps',
  schema,
  title: (oracle) => `no alert for steps ${oracle.steps.map((step) => `"${step}"`).join(', ')}`,
  async evaluate(oracle, context) {
    let checked = 0;
    let noun = 'exchange';
    for (const step of oracle.steps) {
      for await (const exchange of selectExchanges(context, step)) {
        const alerts = await readAlerts(context, exchange.correlation_id);
        if (alerts.length > 0)
          return fail(
            [],
            alerts.map((alert) => alert.kind),
            exchangeLabel(exchange),
            `unexpected alert ${alerts.map((alert) => alert.kind).join(', ')}`,
          );
        checked++;
        noun = exchange.noun;
      }
    }
    return pass([], [], `no alert for ${checked} ${plural(noun, checked)}`);
  },
};
