/**
 * Keyset pagination for ops lists: newest first, by a sequence column, with an opaque cursor.
 * A cursor is stable under concurrent inserts: new rows appear only on the first page.
 */
export interface PageRequest {
  limit: number;
  /** Only rows with a sequence below this one. */
  beforeSeq?: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export class PageRequestError extends Error {
  override readonly name = 'PageRequestError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export function readPageRequest(query: Record<string, unknown>, maxLimit = 500): PageRequest {
  const limitText = query.limit;
  let limit = 100;
  if (limitText !== undefined) {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
      throw new PageRequestError('limit', `limit must be an integer from 1 to ${maxLimit}`);
    }
  }
  const cursor = query.cursor;
  if (cursor === undefined || cursor === '') return { limit };
  try {
    const decoded = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as {
      before?: unknown;
    };
    if (typeof decoded.before !== 'number' || !Number.isSafeInteger(decoded.before))
      throw new Error('no position');
    return { limit, beforeSeq: decoded.before };
  } catch {
    throw new PageRequestError('cursor', 'cursor is not one this API issued');
  }
}

/** Rows were fetched with `limit + 1` to learn whether another page exists. */
export function toPage<Row extends { seq: number }, T>(
  rows: Row[],
  request: PageRequest,
  present: (row: Row) => T,
): Page<T> {
  const more = rows.length > request.limit;
  const pageRows = more ? rows.slice(0, request.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(present),
    next_cursor:
      more && last ? Buffer.from(JSON.stringify({ before: last.seq })).toString('base64url') : null,
  };
}

/** Builds `WHERE a = $1 AND b = $2 …` from the filters that are present. */
export function whereClause(
  filters: Record<string, unknown>,
  request: PageRequest,
): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined || value === '') continue;
    params.push(String(value));
    clauses.push(`${column} = $${params.length}`);
  }
  if (request.beforeSeq !== undefined) {
    params.push(request.beforeSeq);
    clauses.push(`seq < $${params.length}`);
  }
  params.push(request.limit + 1);
  return {
    sql: `${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  };
}
