import type { Sql } from '../store/store.js';
import type { OrderChangeSource } from './orderRules.js';

/**
 * The order change feed: every committed change of an order, once, in an order a reader can
 * follow with a cursor while writers commit concurrently and out of order.
 *
 *   writer tx ─> orderRules.sql ─> order_changes row at (feed_xid, seq), in the same transaction
 *   reader    ─> rows with feed_xid < xmin of its snapshot, after its cursor, by (feed_xid, seq)
 *
 * Why not a cursor over updated_at or a plain sequence: both are taken before commit. Two
 * transactions can take seq 7 and 8 and commit 8 first; a reader that sees 8 moves past 7, and 7
 * commits behind its cursor, never to be read. Timestamps have the same race, and ties besides.
 *
 * Why this is right. `feed_xid` is the writing transaction's id (pg_current_xact_id(), xid8:
 * 64 bits, never wraps), raised to the order's previous feed_xid when that is higher. So a row's
 * feed_xid is never below its writer's id. A reader takes only rows with feed_xid below
 * H = pg_snapshot_xmin(pg_current_snapshot()), from the snapshot its query reads with:
 *   1. every transaction with an id below H had ended when the snapshot was taken, so every
 *      committed row with feed_xid < H (written by an id ≤ feed_xid < H) is in the snapshot;
 *   2. a transaction still running then has an id ≥ H, and one that starts later a higher id
 *      still, so every row written later has feed_xid ≥ H.
 * The rows below H are therefore final: the reader pages through them in (feed_xid, seq) order
 * and its cursor never passes a position where a row can still appear. No miss; and positions
 * strictly after the cursor, no duplicate. Aborted writes never appear.
 *
 * Why raise feed_xid to the order's previous one: a transaction with an older id can change an
 * order after a younger one did (it waited for the younger one's row lock, or started its change
 * later). By id alone the newer state would come first in the feed and a reader replaying the
 * feed would end on the older one. Raised, it sits after, with a higher seq (taken after the
 * younger one committed). One order's changes therefore read in version order; the argument
 * above holds since feed_xid is still never below the writer's id.
 *
 * The cost: a change becomes visible only once every transaction older than its own has ended,
 * in the whole PostgreSQL cluster (all databases share transaction ids). Ours last milliseconds;
 * a session left idle in a transaction holds the feed back until it ends (PostgreSQL's
 * idle_in_transaction_session_timeout bounds that). On PGlite, one connection, every committed
 * change is visible at once.
 */

/** A place in the feed. The transaction id is text: xid8 is 64-bit, beyond a JS number. */
export interface FeedPosition {
  xid: string;
  seq: number;
}

/** Before every change. */
export const FEED_START: FeedPosition = { xid: '0', seq: 0 };

/** One change of an order: its state after the change. */
export interface OrderChange {
  position: FeedPosition;
  orderId: string;
  eventId: string;
  source: OrderChangeSource;
  status: 'open' | 'cancelled';
  totalAmount: number;
  currency: string;
  /** The order's version time. */
  updatedAt: Date;
  attributes: Record<string, string | number>;
}

export interface FeedRequest {
  partnerId: string;
  after: FeedPosition;
  /** Only changes whose version time is at or after this instant (ISO-8601). */
  changedSince?: string;
  limit: number;
}

/**
 * The feed query with the columns a reader wants: the reader's rule (after the cursor, below the
 * horizon, in position order) is written here once, whatever the rows are turned into. The
 * position's xid leaves as text under another name: ORDER BY feed_xid must mean the column (xid8,
 * in index order), not a text alias, which would sort 10 before 9 and miss the index.
 *
 * One statement, so the horizon and the rows come from the same snapshot (a later snapshot's
 * horizon could pass a transaction that committed after the rows were read).
 */
export function feedQuery(columns: string): string {
  return `
SELECT feed_xid::text AS position_xid, seq, ${columns}
  FROM order_changes
 WHERE partner_id = $1
   AND (feed_xid, seq) > ($2::xid8, $3::bigint)
   AND feed_xid < pg_snapshot_xmin(pg_current_snapshot())
   AND ($4::timestamptz IS NULL OR updated_at >= $4::timestamptz)
 ORDER BY feed_xid, seq
 LIMIT $5`;
}

/** Up to `limit` rows of `query` (from feedQuery) after `after`, each with its position. */
export async function readFeed<Row>(
  sql: Sql,
  query: string,
  request: FeedRequest,
): Promise<(Row & { position: FeedPosition })[]> {
  const rows = await sql.query<Row & { position_xid: string; seq: number | string }>(query, [
    request.partnerId,
    request.after.xid,
    request.after.seq,
    request.changedSince ?? null,
    request.limit,
  ]);
  return rows.map((row) => ({ ...row, position: { xid: row.position_xid, seq: Number(row.seq) } }));
}

const READ_CHANGES = feedQuery(
  'order_id, event_id, source, status, total_amount, currency, updated_at, attributes',
);

interface ChangeRow {
  order_id: string;
  event_id: string;
  source: OrderChangeSource;
  status: 'open' | 'cancelled';
  total_amount: number | string;
  currency: string;
  updated_at: Date;
  attributes: Record<string, string | number>;
}

/** Up to `limit` changes after `after`, in feed order. */
export async function readOrderChanges(sql: Sql, request: FeedRequest): Promise<OrderChange[]> {
  const rows = await readFeed<ChangeRow>(sql, READ_CHANGES, request);
  return rows.map((row) => ({
    position: row.position,
    orderId: row.order_id,
    eventId: row.event_id,
    source: row.source,
    status: row.status,
    totalAmount: Number(row.total_amount),
    currency: row.currency,
    updatedAt: row.updated_at,
    attributes: row.attributes,
  }));
}
