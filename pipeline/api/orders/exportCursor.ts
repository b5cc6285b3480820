import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { parseUtcTimestamp } from '../../mapping/utcTimestamp.js';
import type { FeedPosition } from '../../orders/orderChangeFeed.js';

/**
 * The export's cursor: where a partner's reader stands in the order change feed, and the
 * `changed_since` it started with. Opaque to the partner and signed (HMAC-SHA256 with the store's
 * cursor key), so a cursor that was edited, truncated, made up, or issued to another partner is
 * refused instead of read from a position we never gave out.
 *
 *   base64url(JSON {v, p: partner, x: feed xid, s: seq, c: changed_since | null}) "." base64url(mac)
 */
export interface ExportCursor {
  partnerId: string;
  position: FeedPosition;
  /** ISO-8601, or null for the whole feed. */
  changedSince: string | null;
}

const VERSION = 1;
/** Far longer than any cursor this API issues; a longer one is refused unread. */
const MAX_CURSOR_LENGTH = 1024;
const XID8_MAX = 2n ** 64n - 1n;

export function signCursor(key: KeyObject, cursor: ExportCursor): string {
  const payload = Buffer.from(
    JSON.stringify({
      v: VERSION,
      p: cursor.partnerId,
      x: cursor.position.xid,
      s: cursor.position.seq,
      c: cursor.changedSince,
    }),
  ).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The cursor, or undefined when it is not one this API signed. */
export function readCursor(key: KeyObject, text: string): ExportCursor | undefined {
  if (text.length > MAX_CURSOR_LENGTH) return undefined;
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(text);
  if (!match) return undefined;
  const [, payload, signature] = match as unknown as [string, string, string];
  // Compared as text: base64 leaves spare bits in its last character, so two spellings can decode
  // to the same bytes, and only the one we wrote is ours.
  const expected = Buffer.from(mac(key, payload).toString('base64url'));
  const offered = Buffer.from(signature);
  if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return cursorFields(decoded);
}

function mac(key: KeyObject, payload: string): Buffer {
  return createHmac('sha256', key).update(`order-export-cursor.${payload}`).digest();
}

/** Signed by us, so well-formed unless a key was reused across versions: checked all the same. */
function cursorFields(decoded: unknown): ExportCursor | undefined {
  if (typeof decoded !== 'object' || decoded === null) return undefined;
  const { v, p, x, s, c } = decoded as Record<string, unknown>;
  if (v !== VERSION || typeof p !== 'string') return undefined;
  if (typeof x !== 'string' || !/^\d{1,20}$/.test(x) || BigInt(x) > XID8_MAX) return undefined;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) return undefined;
  if (c !== null && (typeof c !== 'string' || parseUtcTimestamp(c) === undefined)) return undefined;
  return { partnerId: p, position: { xid: x, seq: s }, changedSince: c };
}
