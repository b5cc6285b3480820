import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import { fail, pass, type OracleKind } from './oracleKind.js';
import { readAlerts } from './opsReads.js';
import { deliveryLabel } from './selectDeliveries.js';

type Oracle = OracleDocument & { steps: string[] };

/** Healthy traffic raises no alerts: none for any delivery of these steps. */
export const alertNone: OracleKind<Oracle> = {
  kind: 'alert.none',
  summary: 'no alert was raised for any delivery of the given steps',
  title: (oracle) => `no alert for steps ${oracle.steps.map((step) => `"${step}"`).join(', ')}`,
  async evaluate(oracle, context) {
    let checked = 0;
    for (const step of oracle.steps) {
      for (const record of context.deliveries.get(step) ?? []) {
        const alerts = await readAlerts(context, record.correlationId);
        if (alerts.length > 0)
          return fail(
            [],
            alerts.map((alert) => alert.kind),
            deliveryLabel(record),
            `unexpected alert ${alerts.map((alert) => alert.kind).join(', ')}`,
          );
        checked++;
      }
    }
    return pass([], [], `no alert for ${checked} deliveries`);
  },
};
