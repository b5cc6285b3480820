import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Clock } from '../../../lib/clock.js';
import type { Store } from '../../store/store.js';

const PURPOSE = 'order_export_cursor';

/**
 * The key export cursors are signed with, the same for every worker on the store: a cursor one
 * worker issued must be accepted by the next, whichever answers. The first worker to need it
 * offers a fresh 256-bit key with ON CONFLICT DO NOTHING; every worker then uses the row that won.
 * Kept in process once read; a failed read (store down) is retried by the next request.
 */
export function storedCursorKey(store: Store, clock: Clock): () => Promise<KeyObject> {
  let loading: Promise<KeyObject> | undefined;
  return () => {
    loading ??= loadOrCreate(store, clock).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

async function loadOrCreate(store: Store, clock: Clock): Promise<KeyObject> {
  await store.query(
    `INSERT INTO cursor_signing_keys (purpose, secret, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (purpose) DO NOTHING`,
    [PURPOSE, randomBytes(32).toString('base64url'), new Date(clock.now()).toISOString()],
  );
  // A second statement: it sees the winner even if another worker's insert committed meanwhile.
  const [row] = await store.query<{ secret: string }>(
    'SELECT secret FROM cursor_signing_keys WHERE purpose = $1',
    [PURPOSE],
  );
  if (!row) throw new Error('the cursor signing key is missing right after it was offered');
  // One KeyObject for the process: making one from bytes on every HMAC costs more than the HMAC.
  return createSecretKey(Buffer.from(row.secret, 'base64url'));
}
