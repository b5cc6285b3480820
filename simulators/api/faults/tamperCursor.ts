import { withFault } from '../apiCall.js';
import type { ApiFault } from './apiFault.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A cursor changed on its way back, as a client that edits or builds cursors would: one character
 * (by default the middle one) becomes the next one of the base64url alphabet, so the cursor stays
 * well-formed and only its integrity check can catch it. Calls without a cursor (a pull's first
 * page) go out unchanged.
 */
export const tamperCursor: ApiFault<{ position?: number }> = {
  name: 'tamperCursor',
  summary: 'change one character of the cursor sent back (default: the middle one)',
  apply(plan, params) {
    return plan.map((wave) =>
      wave.map((call) => {
        const cursor = call.query.cursor;
        if (cursor === undefined || cursor === '') return call;
        return withFault(call, 'tamperCursor', {
          query: { ...call.query, cursor: tampered(cursor, params.position) },
        });
      }),
    );
  },
};

function tampered(cursor: string, position?: number): string {
  let at = position ?? Math.floor(cursor.length / 2);
  at = Math.min(Math.max(0, at), cursor.length - 1);
  // Keep the separator where it is, so the cursor's shape does not give the change away.
  if (cursor[at] === '.') at = at > 0 ? at - 1 : at + 1;
  const found = BASE64URL.indexOf(cursor[at] as string);
  const next = BASE64URL[(found + 1) % BASE64URL.length] as string;
  return `${cursor.slice(0, at)}${next}${cursor.slice(at + 1)}`;
}
