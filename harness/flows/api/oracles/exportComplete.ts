import type { OracleDocument } from '../../../../contracts/scenarios/scenario.js';
import { Findings } from '../../../oracles/findings.js';
import { fail, pass, type OracleKind } from '../../../oracles/oracleKind.js';
import { appliedVersions, type OrderVersion } from '../steps/earlierSteps.js';
import type { ReceivedChange } from '../exportPage.js';
import schema from './exportComplete.schema.json' with { type: 'json' };
import {
  changeKey,
  counted,
  describeChange,
  exportRequests,
  readControlChanges,
} from './exportReads.js';

type Oracle = OracleDocument & { steps: string[] };

/**
 * No miss: what the partner read of the export, held against a control query the export does not
 * answer (GET /ops/order-changes, every committed change since the same changed_since). Every
 * change the control lists was received, at the version it lists; nothing was received that the
 * control does not list; so the count received equals the delta. And every order version the
 * partner's own writes were told was applied, at or after changed_since, was received: a pipeline
 * that lost a change from its feed and its control alike is still caught by the partner's record.
 */
export const exportComplete: OracleKind<Oracle> = {
  kind: 'export.complete',
  summary:
    'the partner received every change the ops control query lists since changed_since, and nothing else',
  schema,
  title: (oracle) =>
    `steps ${oracle.steps.join(', ')} received every change since changed_since that the ops control query lists, and nothing else`,
  async evaluate(oracle, context) {
    let changedSince: string | undefined;
    let first = true;
    const received = new Map<string, ReceivedChange>();
    let pages = 0;
    for await (const { query, page } of exportRequests(context, oracle.steps)) {
      if (first && query.cursor !== undefined)
        return fail(
          'a first request with changed_since',
          query,
          `step "${oracle.steps[0]}"`,
          'the reading starts from a cursor: there is no changed_since to hold the control to',
        );
      if (first) changedSince = query.changed_since;
      first = false;
      if (!page?.items) continue;
      pages += 1;
      for (const item of page.items) received.set(changeKey(item.order_id, item.event_id), item);
    }
    if (pages === 0)
      return fail(
        'pages of the export',
        [],
        `steps ${oracle.steps.join(', ')}`,
        'the partner received no page of the export',
      );

    const control = await readControlChanges(context, changedSince);
    const missing = new Findings<{ order_id: string; event_id: string; updated_at: string }>();
    const versionDiffers = new Findings<{ change: string; control: string; received: unknown }>();
    const listed = new Set<string>();
    for (const change of control) {
      const key = changeKey(change.order_id, change.event_id);
      listed.add(key);
      const got = received.get(key);
      if (!got)
        missing.add({
          order_id: change.order_id,
          event_id: change.event_id,
          updated_at: change.updated_at,
        });
      else if (got.updated_at !== change.updated_at)
        versionDiffers.add({
          change: describeChange(change.order_id, change.event_id),
          control: change.updated_at,
          received: got.updated_at,
        });
    }
    const unexpected = new Findings<ReceivedChange>();
    for (const [key, item] of received) if (!listed.has(key)) unexpected.add(item);

    const since = changedSince === undefined ? undefined : Date.parse(changedSince);
    const writes = [
      ...(
        await appliedVersions(
          context,
          context.scenario.steps.map((step) => step.id),
        )
      ).values(),
    ].filter(([, updatedAt]) => since === undefined || Date.parse(updatedAt) >= since);
    const writesNotReceived = new Findings<OrderVersion>();
    for (const version of writes)
      if (!received.has(changeKey(version[0], version[2]))) writesNotReceived.add(version);

    const expected = {
      changed_since: changedSince ?? null,
      changes_in_control: control.length,
      applied_writes_since: writes.length,
    };
    const actual = {
      received: received.size,
      pages,
      missing: missing.value(),
      unexpected: unexpected.value(),
      version_differs: versionDiffers.value(),
      applied_writes_not_received: writesNotReceived.value(),
    };
    const fromWhen = changedSince ?? 'the start of the feed';
    const firstMissing = missing.value();
    if (missing.count > 0) {
      const change = (Array.isArray(firstMissing) ? firstMissing : firstMissing.first)[0];
      return fail(
        expected,
        actual,
        change ? describeChange(change.order_id, change.event_id) : 'control',
        `${missing.count} of ${counted(control.length, 'change')} since ${fromWhen} never reached the partner`,
      );
    }
    if (versionDiffers.count > 0)
      return fail(
        expected,
        actual,
        'received versions',
        `${counted(versionDiffers.count, 'change')} received with another version time than the control's`,
      );
    if (unexpected.count > 0)
      return fail(
        expected,
        actual,
        'received changes',
        `${counted(unexpected.count, 'change')} received that the control does not list (${received.size} received, the control lists ${control.length})`,
      );
    if (writesNotReceived.count > 0)
      return fail(
        expected,
        actual,
        "the partner's applied writes",
        `${writesNotReceived.count} of ${counted(writes.length, 'order version')} the partner's writes applied never reached it`,
      );
    return pass(
      expected,
      actual,
      `${counted(control.length, 'change')} since ${fromWhen}: the ops control lists ${control.length}, the partner received ${received.size} over ${counted(pages, 'page')}, none missing, none unexpected; all ${counted(writes.length, 'applied write')} among them`,
    );
  },
};
