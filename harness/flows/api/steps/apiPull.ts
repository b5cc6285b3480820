import type { ApiOrder } from '../../../../contracts/api/partnerApi.js';
import type { StepDocument } from '../../../../contracts/scenarios/scenario.js';
import { isoUtc } from '../../../../lib/clock.js';
import type { ApiFaultSpec } from '../../../../simulators/api/faults/index.js';
import { OrderPuller, type PullResult } from '../../../../simulators/api/orderPuller.js';
import { orderChurn, OrderWriter } from '../../../../simulators/api/orderWriter.js';
import { correlationPrefixFor, orderNumberFor } from '../../../run/scenarioContext.js';
import { plural } from '../../../exchanges/exchange.js';
import type { StepKind } from '../../stepKind.js';
import type { ApiSession } from '../apiSession.js';
import schema from './apiPull.schema.json' with { type: 'json' };
import { appliedVersions, keptCursor, versionKey } from './earlierSteps.js';

type ApiPullStep = StepDocument & {
  limit?: number;
  changed_since_s?: number;
  continue_from?: string;
  while_writing?: { orders: number; changes_per_order?: number; concurrency?: number };
  until_seen?: string[];
  poll_interval_ms?: number;
  max_pages?: number;
  faults?: ApiFaultSpec[];
};

/**
 * The partner reads the order export page after page (the simulator's OrderPuller), each page an
 * exchange of this step, while its order system may write (the simulator's OrderWriter, its
 * writes exchanges of this step too). has_more false means "all that is visible now": on
 * PostgreSQL a change shows once every older transaction has ended, so a partner that must see
 * what was written polls until it has, bounded by max_pages.
 *
 *   writer: POST /v1/orders × N, `concurrency` at a time ───────────────┐ (the same client)
 *   puller: changed_since ─> page ─> next_cursor ─> page ─> … drained ─> poll ─> … until all read
 */
export const apiPull: StepKind<ApiPullStep, ApiSession> = {
  kind: 'api.pull',
  summary:
    'the partner pages through GET /v1/orders (optionally while writing orders), every page recorded',
  schema,
  references: (step) => ({
    earlierSteps: [
      ...(step.continue_from === undefined
        ? []
        : ([['continue_from', step.continue_from]] as [string, unknown][])),
      ...(Array.isArray(step.until_seen)
        ? step.until_seen.map((ref, index): [string, unknown] => [`until_seen/${index}`, ref])
        : []),
    ],
  }),
  async run(step, run) {
    const { context, session } = run;
    const correlationPrefix = correlationPrefixFor(context, step.id);
    const cursor = step.continue_from ? await keptCursor(context, step.continue_from) : undefined;
    const changedSince = cursor
      ? undefined
      : isoUtc(context.startedAtMs + (step.changed_since_s ?? 0) * 1000);
    const mustRead = await appliedVersions(context, step.until_seen ?? []);
    const churn = step.while_writing;
    const writer = churn
      ? new OrderWriter({ client: session.client, clock: context.clock, correlationPrefix })
      : undefined;

    const received: ApiOrder[] = [];
    const read = new Set<string>();
    const result: Pick<PullResult, 'stoppedBecause'> & { pages: number } = {
      stoppedBecause: 'maxPages',
      pages: 0,
    };
    await session.recording(run, async () => {
      const writing =
        writer && churn
          ? writer.write(
              orderChurn({
                prefix: orderNumberFor(context, step.id),
                orders: churn.orders,
                changesPerOrder: churn.changes_per_order ?? 1,
                random: context.random.fork(`churn:${step.id}`),
              }),
              { concurrency: churn.concurrency ?? 4 },
            )
          : undefined;
      // A writer that broke must not leave the puller polling for writes that never come.
      let writerBroke = false;
      writing?.catch(() => (writerBroke = true));
      const allRead = () =>
        (!writer || (writer.idle && writer.unread(received).length === 0)) &&
        [...mustRead.keys()].every((key) => read.has(key));
      const pages = new OrderPuller(session.client).pages({
        ...(cursor !== undefined ? { cursor } : { changedSince }),
        ...(step.limit !== undefined ? { limit: step.limit } : {}),
        ...(step.faults ? { faults: step.faults } : {}),
        correlationPrefix,
        stopWhen: () => writerBroke || allRead(),
        pollIntervalMs: step.poll_interval_ms ?? 50,
        maxPages: step.max_pages ?? 2000,
      });
      for await (const pulled of pages) {
        const page = pulled.outcome.value;
        if (!page) {
          result.stoppedBecause = 'refused';
          continue;
        }
        result.pages += 1;
        for (const order of page.items) {
          received.push(order);
          read.add(versionKey([order.order_id, order.updated_at, order.event_id]));
        }
        if (pulled.final) result.stoppedBecause = 'drained';
      }
      await writing;
    });

    const writes = writer?.written() ?? [];
    const unread = [
      ...(writer?.unread(received) ?? []),
      ...[...mustRead.keys()].filter((key) => !read.has(key)),
    ];
    return {
      summary: [
        `${counted(result.pages, 'page')}${step.limit ? ` of at most ${step.limit}` : ''}, ${counted(received.length, 'change')} received, ${describeStop(result.stoppedBecause)}`,
        writer &&
          `${counted(writes.length, 'write')} during the pull (${writes.filter((write) => write.effect === 'applied').length} applied)`,
        unread.length > 0 && `${counted(unread.length, 'applied version')} never read`,
        context.exchanges.summary(step.id),
      ]
        .filter(Boolean)
        .join('; '),
    };
  },
};

function describeStop(reason: PullResult['stoppedBecause']): string {
  if (reason === 'drained') return 'drained';
  if (reason === 'refused') return 'stopped at a refusal';
  return 'stopped at max_pages';
}

/** "1 page", "27 changes". */
function counted(count: number, noun: string): string {
  return `${count} ${plural(noun, count)}`;
}
