import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * A partner's webhook secret, written `whsec_<base64>` as Standard Webhooks and Stripe do.
 *
 * The two schemes use it differently, exactly as their reference libraries do:
 * - `X-Signature` (Stripe-style): the HMAC key is the whole secret string, UTF-8 encoded;
 * - Standard Webhooks: the HMAC key is the base64-decoded bytes after the `whsec_` prefix.
 */
export const SECRET_PREFIX = 'whsec_';

/** A fresh secret: 32 random bytes (the standard asks for 24–64). */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The key bytes Standard Webhooks signs with. Throws on an empty or non-base64 secret. */
export function standardWebhooksKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.length === 0) throw new Error('webhook secret is empty');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new Error('webhook secret is not base64 after the whsec_ prefix');
  }
  return Buffer.from(encoded, 'base64');
}

/** The key bytes X-Signature signs with. */
export function xSignatureKey(secret: string): Buffer {
  if (secret.length === 0) throw new Error('webhook secret is empty');
  return Buffer.from(secret, 'utf8');
}

/**
 * Secrets as they arrive from the environment: one, or several separated by spaces while a secret
 * is being rotated (the receiver accepts any of them).
 */
export function parseSecretList(value: string): string[] {
  return value.split(/\s+/).filter((secret) => secret.length > 0);
}

/**
 * The HMAC key object for a secret, made once per secret and scheme. Node re-imports a Buffer key
 * on every createHmac (about five times the cost of the HMAC itself over a small body, measured);
 * a KeyObject is imported once. The cache stays small: a process holds a few secrets, and it is
 * emptied if callers ever pass more.
 */
const hmacKeys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 256;

export function hmacKeyFor(scheme: 'x-signature' | 'standard-webhooks', secret: string): KeyObject {
  const cacheKey = `${scheme}\u0000${secret}`;
  let key = hmacKeys.get(cacheKey);
  if (!key) {
    if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.clear();
    key = createSecretKey(
      scheme === 'x-signature' ? xSignatureKey(secret) : standardWebhooksKey(secret),
    );
    hmacKeys.set(cacheKey, key);
  }
  return key;
}
