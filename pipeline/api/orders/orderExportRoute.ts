import type { KeyObject } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { parseUtcTimestamp } from '../../mapping/utcTimestamp.js';
import {
  FEED_START,
  feedQuery,
  readFeed,
  type FeedPosition,
} from '../../orders/orderChangeFeed.js';
import type { Store } from '../../store/store.js';
import { readCursor, signCursor } from './exportCursor.js';
import { ORDER_API_ERRORS, sendOrderApiError } from './orderApiErrors.js';
import { ORDER_RESOURCE_JSON } from './orderResource.js';

export const EXPORT_LIMITS = { defaultLimit: 100, maxLimit: 500 } as const;

/** Each change as the API's Order, in JSON made by the database (see ORDER_RESOURCE_JSON). */
const EXPORT_PAGE = feedQuery(`${ORDER_RESOURCE_JSON} AS resource`);

export interface OrderExportDeps {
  store: Store;
  cursorKey(): Promise<KeyObject>;
}

/**
 * `GET /v1/orders?changed_since=&cursor=&limit=`: a page of the partner's order change feed.
 *
 *   query ─> limit, changed_since ─> cursor signed by us, for this partner? ─> feed after it ─> page + next_cursor
 *               400 invalid_parameter      400 invalid_cursor
 *
 * The partner comes from the access token (req.apiClient), never from the request. next_cursor is
 * always given, also on the last page: it is where the partner polls from next time.
 */
export function orderExportRoute(deps: OrderExportDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const caller = req.apiClient;
    if (!caller) throw new Error('the order export must run after requireApiScope()');
    const query = readExportQuery(req.query);
    if (!query.ok)
      return sendOrderApiError(req, res, ORDER_API_ERRORS.invalidParameter, query.details);

    const key = await deps.cursorKey();
    let position: FeedPosition = FEED_START;
    let changedSince = query.changedSince;
    if (query.cursor !== undefined) {
      const cursor = readCursor(key, query.cursor);
      if (!cursor || cursor.partnerId !== caller.partnerId)
        return sendOrderApiError(req, res, ORDER_API_ERRORS.invalidCursor, [
          { field: 'cursor', reason: 'is not a cursor this API issued to you' },
        ]);
      if (changedSince !== null && changedSince !== cursor.changedSince)
        return sendOrderApiError(req, res, ORDER_API_ERRORS.invalidCursor, [
          {
            field: 'changed_since',
            reason: 'differs from the changed_since the cursor was issued for',
          },
        ]);
      position = cursor.position;
      changedSince = cursor.changedSince;
    }

    // One more than asked for, to know whether another page is already there.
    const changes = await readFeed<{ resource: string }>(deps.store, EXPORT_PAGE, {
      partnerId: caller.partnerId,
      after: position,
      ...(changedSince !== null ? { changedSince } : {}),
      limit: query.limit + 1,
    });
    const page = changes.slice(0, query.limit);
    const last = page.at(-1)?.position ?? position;
    const nextCursor = signCursor(key, {
      partnerId: caller.partnerId,
      position: last,
      changedSince,
    });
    // contracts/api/partnerApi.ts's ApiOrderPage, assembled from the database's JSON items.
    res
      .type('application/json')
      .send(
        `{"items":[${page.map((change) => change.resource).join(',')}],` +
          `"next_cursor":${JSON.stringify(nextCursor)},"has_more":${changes.length > query.limit}}`,
      );
  };
}

type ExportQuery =
  | { ok: true; limit: number; changedSince: string | null; cursor?: string }
  | { ok: false; details: Record<string, unknown>[] };

function readExportQuery(query: Request['query']): ExportQuery {
  const details: Record<string, unknown>[] = [];
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined || typeof value === 'string') return value;
    details.push({ field: name, rule: 'single', reason: `${name} must be given once` });
    return undefined;
  };

  let limit: number = EXPORT_LIMITS.defaultLimit;
  const limitText = single('limit');
  if (limitText !== undefined) {
    limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= EXPORT_LIMITS.maxLimit))
      details.push({
        field: 'limit',
        rule: 'range',
        reason: `must be an integer from 1 to ${EXPORT_LIMITS.maxLimit}`,
      });
  }
  let changedSince: string | null = null;
  const changedSinceText = single('changed_since');
  if (changedSinceText !== undefined) {
    const ms = parseUtcTimestamp(changedSinceText);
    if (ms === undefined)
      details.push({
        field: 'changed_since',
        rule: 'datetime',
        reason: 'must be a real UTC ISO-8601 time ending in Z, e.g. 2026-01-15T12:00:00Z',
      });
    // One spelling per instant, so the cursor's copy compares equal to a repeated parameter.
    else changedSince = new Date(ms).toISOString();
  }
  const cursor = single('cursor');
  if (details.length > 0) return { ok: false, details };
  return {
    ok: true,
    limit,
    changedSince,
    ...(cursor !== undefined && cursor !== '' ? { cursor } : {}),
  };
}
