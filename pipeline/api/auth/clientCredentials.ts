import { createHash, timingSafeEqual } from 'node:crypto';

/** What a token request offered as client authentication (RFC 6749 §2.3.1). */
export type OfferedCredentials =
  | { ok: true; clientId: string; secret: string; method: 'basic' | 'body' }
  | { ok: false; failure: 'missing' | 'malformed' | 'several'; detail: string };

/**
 * HTTP Basic with the form-urlencoded client_id and secret, or `client_id` and `client_secret` in
 * the body; never both (§2.3: one method per request). A body `client_id` next to Basic is
 * tolerated when it names the same client, as several client libraries send it.
 */
export function offeredCredentials(
  authorization: string | undefined,
  form: { clientId?: string; clientSecret?: string },
): OfferedCredentials {
  if (authorization !== undefined) {
    if (form.clientSecret !== undefined)
      return { ok: false, failure: 'several', detail: 'Basic and client_secret both sent' };
    const basic = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization);
    if (!basic) return { ok: false, failure: 'malformed', detail: 'Authorization is not Basic' };
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = colon < 0 ? undefined : formDecode(decoded.slice(0, colon));
    const secret = colon < 0 ? undefined : formDecode(decoded.slice(colon + 1));
    if (clientId === undefined || secret === undefined)
      return { ok: false, failure: 'malformed', detail: 'Basic credentials cannot be read' };
    if (form.clientId !== undefined && form.clientId !== clientId)
      return { ok: false, failure: 'several', detail: 'body client_id differs from Basic' };
    return { ok: true, clientId, secret, method: 'basic' };
  }
  if (form.clientId === undefined && form.clientSecret === undefined)
    return { ok: false, failure: 'missing', detail: 'no client authentication' };
  if (form.clientId === undefined || form.clientSecret === undefined)
    return { ok: false, failure: 'missing', detail: 'client_id or client_secret missing' };
  return { ok: true, clientId: form.clientId, secret: form.clientSecret, method: 'body' };
}

/** Basic credentials are form-urlencoded before base64 (§2.3.1): `+` is a space. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Compares in time that depends on neither secret's content nor length: both are hashed first,
 * so timingSafeEqual always sees two equal-length digests.
 */
export function secretMatches(offered: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(expected));
}
