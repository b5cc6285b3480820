import currencyCodes from 'currency-codes';
import { partnerApiDocument } from '../../../../contracts/api/partnerApi.js';
import type { OracleDocument } from '../../../../contracts/scenarios/scenario.js';
import { Findings } from '../../../oracles/findings.js';
import { fail, pass, type OracleKind } from '../../../oracles/oracleKind.js';
import type { ExportPageRecord, ReceivedChange } from '../exportPage.js';
import schema from './exportPaginationInvariants.schema.json' with { type: 'json' };
import { counted, describeChange, describePage, exportRequests } from './exportReads.js';

type Oracle = OracleDocument & { steps: string[] };

/** One broken invariant, where. */
interface Violation {
  invariant: string;
  where: string;
  detail: string;
}

/** One page as the trace in the evidence shows it. */
interface PageTrace {
  page: number;
  request: string;
  limit: number;
  cursor_sent: string | null;
  items: number;
  has_more: unknown;
  next_cursor: string | null;
}

/** The page size the contract promises when the partner names none. */
const DEFAULT_LIMIT = exportLimitDefault();

/**
 * The export's pagination, checked page by page over the partner's whole reading (several steps:
 * a pull, a later poll from the cursor it kept). The trace of every page (what was asked, what
 * came back, the cursors) is kept with the verdict, so the evidence shows the invariants held
 * rather than saying so.
 */
export const exportPaginationInvariants: OracleKind<Oracle> = {
  kind: 'export.paginationInvariants',
  summary:
    'every page kept the pagination invariants: contract, limit, cursor chain, version order, changed_since, money',
  schema,
  title: (oracle) =>
    `every page of steps ${oracle.steps.join(', ')} kept the pagination invariants`,
  async evaluate(oracle, context) {
    const violations = new Findings<Violation>();
    const trace = new Findings<PageTrace>();
    /** Per order, the last version received: (updated_at, event_id). */
    const lastVersion = new Map<string, [number, string, string]>();
    let previousNext: string | undefined;
    let changedSince: number | undefined;
    let pages = 0;
    let items = 0;
    for await (const { exchange, query, page } of exportRequests(context, oracle.steps)) {
      if (pages === 0 && previousNext === undefined && query.changed_since !== undefined)
        changedSince = Date.parse(query.changed_since);
      if (!page) continue;
      pages += 1;
      const where = describePage(pages, exchange);
      const broken = (invariant: string, detail: string, at = where) =>
        violations.add({ invariant, where: at, detail });
      const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);

      const problems = exchange.facts?.contract_problems;
      if (problems !== undefined) broken('valid against contracts/api/openapi.json', problems);
      checkCursorChain(query, previousNext, broken);
      const list = page.items ?? [];
      if (page.items === null) broken('items is a list', 'the page has no items list');
      if (list.length > limit)
        broken('limit respected', `${list.length} items on a page of at most ${limit}`);
      if (page.has_more === true && list.length < limit)
        broken(
          'a page that says more is coming is full',
          `has_more with ${list.length} items of ${limit}`,
        );
      if (typeof page.has_more !== 'boolean')
        broken('has_more is given', `has_more is ${JSON.stringify(page.has_more)}`);
      const next =
        typeof page.next_cursor === 'string' && page.next_cursor !== ''
          ? page.next_cursor
          : undefined;
      if (next === undefined)
        broken(
          'next_cursor is given on every page',
          `next_cursor is ${JSON.stringify(page.next_cursor)}`,
        );
      else if (list.length > 0 && next === query.cursor)
        broken(
          'the cursor moves past what the page held',
          `next_cursor is the cursor sent, after ${list.length} items`,
        );

      list.forEach((item, index) => {
        items += 1;
        const at = `${where}, item ${index} (${describeChange(item.order_id, item.event_id)})`;
        checkChange(item, changedSince, lastVersion, (invariant, detail) =>
          broken(invariant, detail, at),
        );
      });
      trace.add({
        page: pages,
        request: exchange.correlation_id,
        limit,
        cursor_sent: query.cursor ?? null,
        items: list.length,
        has_more: page.has_more,
        next_cursor: next ?? null,
      });
      if (next !== undefined) previousNext = next;
    }

    const expected = { violations: 0 };
    const actual = { pages, items, violations: violations.value(), trace: trace.value() };
    if (pages === 0)
      return fail(expected, actual, `steps ${oracle.steps.join(', ')}`, 'no page was received');
    if (violations.count > 0) {
      const kept = violations.value();
      const first = (Array.isArray(kept) ? kept : kept.first)[0] as Violation;
      return fail(
        expected,
        actual,
        first.where,
        `${counted(violations.count, 'violation')}; first: ${first.invariant}: ${first.detail}`,
      );
    }
    return pass(
      expected,
      actual,
      `${counted(pages, 'page')}, ${counted(items, 'change')}: every invariant held on every page`,
    );
  },
};

/** Each request continues where the previous page ended: its cursor is that page's next_cursor. */
function checkCursorChain(
  query: ExportPageRecord['query'],
  previousNext: string | undefined,
  broken: (invariant: string, detail: string) => void,
): void {
  if (previousNext === undefined) return;
  if (query.cursor === undefined)
    broken(
      'each page follows the previous next_cursor',
      'the request started over without a cursor',
    );
  else if (query.cursor !== previousNext)
    broken(
      'each page follows the previous next_cursor',
      "the cursor sent is not the previous page's next_cursor",
    );
}

/** One change: within changed_since, in version order for its order, money in minor units. */
function checkChange(
  item: ReceivedChange,
  changedSince: number | undefined,
  lastVersion: Map<string, [number, string, string]>,
  broken: (invariant: string, detail: string) => void,
): void {
  const updatedAt = typeof item.updated_at === 'string' ? Date.parse(item.updated_at) : NaN;
  if (Number.isNaN(updatedAt))
    broken('updated_at is a time', `updated_at is ${JSON.stringify(item.updated_at)}`);
  else if (changedSince !== undefined && updatedAt < changedSince)
    broken(
      'every change at or after changed_since',
      `updated_at ${String(item.updated_at)} is before changed_since`,
    );
  const orderId = String(item.order_id);
  const eventId = String(item.event_id);
  const previous = lastVersion.get(orderId);
  if (previous && !Number.isNaN(updatedAt) && !isLater([updatedAt, eventId], previous))
    broken(
      "one order's changes in rising version order (updated_at, then event_id)",
      `version ${String(item.updated_at)} ${eventId} after ${previous[2]} ${previous[1]}`,
    );
  if (!Number.isNaN(updatedAt))
    lastVersion.set(orderId, [updatedAt, eventId, String(item.updated_at)]);
  if (typeof item.total_amount !== 'number' || !Number.isSafeInteger(item.total_amount))
    broken('money in integer minor units', `total_amount is ${JSON.stringify(item.total_amount)}`);
  if (
    typeof item.currency !== 'string' ||
    !/^[A-Z]{3}$/.test(item.currency) ||
    !currencyCodes.code(item.currency)
  )
    broken('money with an ISO 4217 currency', `currency is ${JSON.stringify(item.currency)}`);
}

/** (updated_at, event_id) above the previous: the event id breaks a tie, in byte order. */
function isLater(version: [number, string], previous: [number, string, string]): boolean {
  if (version[0] !== previous[0]) return version[0] > previous[0];
  return Buffer.compare(Buffer.from(version[1]), Buffer.from(previous[1])) > 0;
}

function exportLimitDefault(): number {
  const parameters = (
    partnerApiDocument.paths['/v1/orders'].get as {
      parameters: { name: string; schema?: { default?: unknown } }[];
    }
  ).parameters;
  const declared = parameters.find((parameter) => parameter.name === 'limit')?.schema?.default;
  return typeof declared === 'number' ? declared : 100;
}
