import { createHmac } from 'node:crypto';
import { checkWindow, headerValue, sameBytes, type SignatureCheck } from './signatureCheck.js';
import { hmacKeyFor } from './webhookSecret.js';

/**
 * Standard Webhooks v1 (https://www.standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64>[ v1,<base64>…]`, HMAC-SHA256 over
 * `<id>.<timestamp>.<raw body>` keyed with the base64-decoded secret.
 */
export const STANDARD_WEBHOOKS_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export function standardWebhooksHmac(
  secret: string,
  messageId: string,
  timestampS: number,
  body: Buffer | string,
): string {
  return createHmac('sha256', hmacKeyFor('standard-webhooks', secret))
    .update(`${messageId}.${timestampS}.`)
    .update(body)
    .digest('base64');
}

/** The `webhook-signature` value: one `v1,<b64>` per secret, space-separated. */
export function signStandardWebhooks(
  secrets: string | string[],
  messageId: string,
  timestampS: number,
  body: Buffer | string,
): string {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  return list
    .map((secret) => `v1,${standardWebhooksHmac(secret, messageId, timestampS, body)}`)
    .join(' ');
}

export interface VerifyStandardWebhooksInput {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  secrets: string[];
  nowS: number;
  toleranceS: number;
}

export function verifyStandardWebhooks(input: VerifyStandardWebhooksInput): SignatureCheck {
  const id = headerValue(input.headers, STANDARD_WEBHOOKS_HEADERS.id);
  const timestamp = headerValue(input.headers, STANDARD_WEBHOOKS_HEADERS.timestamp);
  const signature = headerValue(input.headers, STANDARD_WEBHOOKS_HEADERS.signature);
  if (!id || !timestamp || !signature) {
    const absent = [
      !id && STANDARD_WEBHOOKS_HEADERS.id,
      !timestamp && STANDARD_WEBHOOKS_HEADERS.timestamp,
      !signature && STANDARD_WEBHOOKS_HEADERS.signature,
    ].filter(Boolean);
    return {
      ok: false,
      failure: 'missing',
      detail: `missing header ${absent.join(', ')}`,
      messageId: id,
    };
  }
  if (!/^\d{1,12}$/.test(timestamp.trim())) {
    return {
      ok: false,
      failure: 'malformed',
      detail: 'webhook-timestamp is not unix seconds',
      messageId: id,
    };
  }
  if (id.includes('.')) {
    // The id is part of the signed content; a dot in it would make the content ambiguous.
    return {
      ok: false,
      failure: 'malformed',
      detail: 'webhook-id must not contain "."',
      messageId: id,
    };
  }
  const timestampS = Number(timestamp.trim());
  const offered: Buffer[] = [];
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue; // other versions are skipped, as the spec says
    offered.push(Buffer.from(entry.slice(comma + 1), 'base64'));
  }
  for (const secret of input.secrets) {
    const expected = Buffer.from(
      standardWebhooksHmac(secret, id, timestampS, input.body),
      'base64',
    );
    if (offered.some((candidate) => sameBytes(expected, candidate))) {
      return checkWindow(timestampS, input.nowS, input.toleranceS, id);
    }
  }
  return {
    ok: false,
    failure: 'mismatch',
    detail: 'no v1 signature in webhook-signature matches the body under the partner secret',
    timestampS,
    messageId: id,
  };
}
