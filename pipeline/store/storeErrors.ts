/**
 * What a store error means for the caller, by PostgreSQL's SQLSTATE (PGlite reports the same
 * codes as the server).
 */

/** The store cannot be reached or went away: the request may succeed later (503). */
export function isStoreDown(error: unknown): boolean {
  const code = sqlState(error);
  return code === 'ECONNREFUSED' || code === '57P01' || code === '08006' || code === '08001';
}

/**
 * The store refused a value, not the request's right to be stored: class 22 (data exception, e.g.
 * text it cannot encode, a time out of range) or 54 (a program limit, e.g. an index entry too
 * large). Input checks are meant to catch these first; this is the net under them.
 */
export function isUnstorableValue(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('54'));
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
