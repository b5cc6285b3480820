import type { AlertRecord } from '../../contracts/ops/opsRecords.js';
import { exchangeLabel } from '../exchanges/exchange.js';
import schema from './alertFired.schema.json' with { type: 'json' };
import { Findings } from './findings.js';
import { fail, pass, type OracleKind } from './oracleKind.js';
import { readAlerts } from './opsReads.js';
import {
  describeSelection,
  nothingSelected,
  selectExchanges,
  type StepOracle,
} from './selectExchanges.js';

type Oracle = StepOracle<{
  alert: string;
  severity?: string;
}>;

/** An alert of the given kind was raised for each selected exchange (matched by correlation id). */
export const alertFired: OracleKind<Oracle> = {
  kind: 'alert.fired',
  summary: 'an alert of the given kind was raised for each selected delivery',
  schema,
  title: (oracle) =>
    `alert ${oracle.alert}${oracle.severity ? ` (${oracle.severity})` : ''} fired for ${describeSelection(oracle.step, oracle.select)}`,
  async evaluate(oracle, context) {
    const found = new Findings<AlertRecord>();
    for await (const exchange of selectExchanges(context, oracle.step, oracle.select)) {
      const alerts = await readAlerts(context, exchange.correlation_id, oracle.alert);
      const [alert] = alerts;
      if (!alert) {
        const others = await readAlerts(context, exchange.correlation_id);
        return fail(
          oracle.alert,
          others.map((other) => other.kind),
          exchangeLabel(exchange),
          `no ${oracle.alert} alert for this ${exchange.noun}${others.length > 0 ? ` (found: ${others.map((other) => other.kind).join(', ')})` : ''}`,
        );
      }
      if (oracle.severity && alert.severity !== oracle.severity) {
        return fail(
          oracle.severity,
          alert.severity,
          `${exchangeLabel(exchange)}, alert severity`,
          `alert severity: expected ${oracle.severity}, got ${alert.severity}`,
        );
      }
      found.add(alert);
    }
    if (found.count === 0)
      return nothingSelected(context, oracle.alert, oracle.step, oracle.select);
    return pass(oracle.alert, found.value(), `${found.count} alert(s) raised`);
  },
};
