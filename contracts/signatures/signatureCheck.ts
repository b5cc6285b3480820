import { timingSafeEqual } from 'node:crypto';

/** Why a signed request was refused. Each maps to one error code on the wire. */
export type SignatureFailure =
  /** No signature header (or a required companion header) was sent. */
  | 'missing'
  /** The header is there but cannot be read. */
  | 'malformed'
  /** The signature does not match the body under any of the partner's secrets. */
  | 'mismatch'
  /** Authentic, but signed longer ago than the replay window allows. */
  | 'expired'
  /** Authentic, but signed further in the future than the window allows. */
  | 'future';

export type SignatureCheck =
  | { ok: true; timestampS: number; messageId?: string }
  | {
      ok: false;
      failure: SignatureFailure;
      detail: string;
      timestampS?: number;
      messageId?: string;
    };

/**
 * Window check shared by both schemes: a signed timestamp more than `toleranceS` away from now, in
 * either direction, is refused. Checked only after the signature matched, so "expired" always
 * means an authentic message that arrived late, not a forgery.
 */
export function checkWindow(
  timestampS: number,
  nowS: number,
  toleranceS: number,
  messageId?: string,
): SignatureCheck {
  const age = nowS - timestampS;
  if (age > toleranceS) {
    return {
      ok: false,
      failure: 'expired',
      detail: `signed ${age} s ago; the replay window is ${toleranceS} s`,
      timestampS,
      messageId,
    };
  }
  if (-age > toleranceS) {
    return {
      ok: false,
      failure: 'future',
      detail: `signed ${-age} s in the future; the replay window is ${toleranceS} s`,
      timestampS,
      messageId,
    };
  }
  return { ok: true, timestampS, messageId };
}

/** Constant-time equality of two byte strings of possibly different length. */
export function sameBytes(expected: Buffer, actual: Buffer): boolean {
  if (expected.length !== actual.length) return false;
  return timingSafeEqual(expected, actual);
}

/** Header lookup that ignores case, as HTTP does. */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}
