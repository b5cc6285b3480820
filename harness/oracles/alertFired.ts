import { fail, pass, type OracleKind } from './oracleKind.js';
import { readAlerts } from './opsReads.js';
import {
  deliveryLabel,
  describeSelection,
  selectDeliveries,
  type StepOracle,
  nothingSelected,
} from './selectDeliveries.js';

type Oracle = StepOracle<{
  alert: string;
  severity?: string;
}>;

/** An alert of the given kind was raised for each selected delivery (matched by correlation id). */
export const alertFired: OracleKind<Oracle> = {
  kind: 'alert.fired',
  summary: 'an alert of the given kind was raised for each selected delivery',
  title: (oracle) =>
    `alert ${oracle.alert}${oracle.severity ? ` (${oracle.severity})` : ''} fired for ${describeSelection(oracle.step, oracle.select)}`,
  async evaluate(oracle, context) {
    const records = selectDeliveries(context, oracle.step, oracle.select);
    if (records.length === 0) return nothingSelected(oracle.alert, oracle.step, oracle.select);
    const found: unknown[] = [];
    for (const record of records) {
      const alerts = await readAlerts(context, record.correlationId, oracle.alert);
      if (alerts.length === 0) {
        const others = await readAlerts(context, record.correlationId);
        return fail(
          oracle.alert,
          others.map((alert) => alert.kind),
          deliveryLabel(record),
          `no ${oracle.alert} alert for this delivery${others.length > 0 ? ` (found: ${others.map((alert) => alert.kind).join(', ')})` : ''}`,
        );
      }
      const alert = alerts[0] as { severity: string };
      if (oracle.severity && alert.severity !== oracle.severity) {
        return fail(
          oracle.severity,
          alert.severity,
          `${deliveryLabel(record)}, alert severity`,
          `alert severity: expected ${oracle.severity}, got ${alert.severity}`,
        );
      }
      found.push(alerts[0]);
    }
    return pass(oracle.alert, found, `${found.length} alert(s) raised`);
  },
};
