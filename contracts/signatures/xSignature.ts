import { createHmac } from 'node:crypto';
import { checkWindow, headerValue, sameBytes, type SignatureCheck } from './signatureCheck.js';
import { hmacKeyFor } from './webhookSecret.js';

/**
 * The playbook's webhook signature: `X-Signature: t=<unix seconds>, v1=<hex>` where the hex is
 * HMAC-SHA256 over `<t>.<raw body>`. The format is Stripe's (`Stripe-Signature`): the key is the
 * secret string itself, several `v1=` entries may be sent during a key rotation, and entries of
 * other versions are ignored. We sign without spaces after the commas, as Stripe does (its
 * verifier does not trim entries), and accept either when reading.
 */
export const X_SIGNATURE_HEADER = 'x-signature';

export function xSignatureHmac(secret: string, timestampS: number, body: Buffer | string): string {
  return createHmac('sha256', hmacKeyFor('x-signature', secret))
    .update(`${timestampS}.`)
    .update(body)
    .digest('hex');
}

/** The header value for a body signed at `timestampS` with each of `secrets`. */
export function signXSignature(
  secrets: string | string[],
  timestampS: number,
  body: Buffer | string,
): string {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  return [
    `t=${timestampS}`,
    ...list.map((secret) => `v1=${xSignatureHmac(secret, timestampS, body)}`),
  ].join(',');
}

export interface ParsedXSignature {
  timestampS: number;
  v1: string[];
}

/** Reads `t=…, v1=…[, v1=…]`; returns why not when it cannot. */
export function parseXSignature(header: string): ParsedXSignature | { error: string } {
  let timestamp: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return { error: `entry "${item.slice(0, 20)}" is not key=value` };
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (key === 't') timestamp = value;
    else if (key === 'v1') v1.push(value);
  }
  if (timestamp === undefined) return { error: 'no t= timestamp' };
  if (!/^\d{1,12}$/.test(timestamp))
    return { error: `t="${timestamp.slice(0, 20)}" is not unix seconds` };
  if (v1.length === 0) return { error: 'no v1= signature' };
  return { timestampS: Number(timestamp), v1 };
}

export interface VerifyXSignatureInput {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Every secret currently accepted for the partner (more than one during rotation). */
  secrets: string[];
  nowS: number;
  toleranceS: number;
}

export function verifyXSignature(input: VerifyXSignatureInput): SignatureCheck {
  const header = headerValue(input.headers, X_SIGNATURE_HEADER);
  if (header === undefined || header.trim() === '') {
    return { ok: false, failure: 'missing', detail: 'no X-Signature header' };
  }
  const parsed = parseXSignature(header);
  if ('error' in parsed)
    return { ok: false, failure: 'malformed', detail: `X-Signature: ${parsed.error}` };

  const offered = parsed.v1.map((hex) =>
    /^[0-9a-f]{64}$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0),
  );
  for (const secret of input.secrets) {
    const expected = Buffer.from(xSignatureHmac(secret, parsed.timestampS, input.body), 'hex');
    if (offered.some((candidate) => sameBytes(expected, candidate))) {
      return checkWindow(parsed.timestampS, input.nowS, input.toleranceS);
    }
  }
  return {
    ok: false,
    failure: 'mismatch',
    detail: 'no v1 signature matches the body under the partner secret',
    timestampS: parsed.timestampS,
  };
}
