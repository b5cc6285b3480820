import type { OracleDocument } from '../../contracts/scenarios/scenario.js';
import { parsePrometheusText, sumMatching } from '../sut/metricsSnapshot.js';
import schema from './metricsIncreased.schema.json' with { type: 'json' };
import { fail, pass, type OracleKind } from './oracleKind.js';

type Oracle = OracleDocument & { metric: string; labels?: Record<string, string>; by: number };

/**
 * A /metrics counter grew by at least `by` while the scenario ran. "At least": another run may
 * share the pipeline, and a dashboard only ever sees the sum.
 */
export const metricsIncreased: OracleKind<Oracle> = {
  kind: 'metrics.increased',
  summary: 'a /metrics counter grew by at least the given amount during the scenario',
  schema,
  title: (oracle) =>
    `${oracle.metric}${oracle.labels ? JSON.stringify(oracle.labels) : ''} grew by at least ${oracle.by}`,
  async evaluate(oracle, context) {
    const response = await context.sut.ops.get<string>('/metrics');
    if (response.status !== 200)
      return fail(200, response.status, 'GET /metrics', `/metrics answered ${response.status}`);
    const labels = oracle.labels ?? {};
    const before = sumMatching(context.metricsAtStart, oracle.metric, labels);
    const after = sumMatching(parsePrometheusText(String(response.body)), oracle.metric, labels);
    const actual = { before, after, increase: after - before };
    if (after - before < oracle.by) {
      return fail(
        { increase_at_least: oracle.by },
        actual,
        `${oracle.metric}${JSON.stringify(labels)}`,
        `grew by ${after - before}, expected at least ${oracle.by}`,
      );
    }
    return pass({ increase_at_least: oracle.by }, actual, `grew by ${after - before}`);
  },
};
