import type { Sql } from '../../store/store.js';

/**
 * One request counted in its client's fixed window, in one statement every worker shares: a new
 * window restarts the count, the current one adds to it. A worker whose clock lags (its window
 * already over elsewhere) counts in the newer window rather than reopening the old one.
 */
const COUNT_REQUEST = `
  INSERT INTO api_rate_windows AS w (partner_id, client_id, window_start, requests)
  VALUES ($1, $2, $3, 1)
  ON CONFLICT (partner_id, client_id) DO UPDATE SET
    requests = CASE WHEN EXCLUDED.window_start > w.window_start THEN 1 ELSE w.requests + 1 END,
    window_start = GREATEST(w.window_start, EXCLUDED.window_start)
  RETURNING requests, window_start`;

export interface WindowCount {
  /** Requests counted in the window so far, this one included. */
  requests: number;
  windowStartMs: number;
}

export async function countRequestInWindow(
  sql: Sql,
  key: { partnerId: string; clientId: string },
  windowStartMs: number,
): Promise<WindowCount> {
  const [row] = await sql.query<{ requests: number | string; window_start: Date | string }>(
    COUNT_REQUEST,
    [key.partnerId, key.clientId, new Date(windowStartMs).toISOString()],
  );
  if (!row) throw new Error('the rate window upsert returned no row');
  return { requests: Number(row.requests), windowStartMs: new Date(row.window_start).getTime() };
}

/** The fixed window `nowMs` falls in: windows start at multiples of their length since the epoch. */
export function windowStart(nowMs: number, windowMs: number): number {
  return nowMs - (nowMs % windowMs);
}
