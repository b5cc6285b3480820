/**
 * One redaction rule for logs and evidence: secrets and signature values never leave the process,
 * and fields a partner profile flags as PII are masked. The evidence bundle runs every artifact
 * through here before it is written.
 */

export const REDACTED = '[redacted]';

/** Headers whose values are credentials or signatures. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-signature',
  'webhook-signature',
  'svix-signature',
  'stripe-signature',
]);

/** JSON keys whose values are credentials, matched case-insensitively on the whole key. */
const SECRET_KEY =
  /^(secret|secrets|password|passphrase|token|access_token|refresh_token|client_secret|private_key|api_key|signing_key)$/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = isSecretHeader(name) ? REDACTED : text;
  }
  return out;
}

export interface RedactOptions {
  /** Field names (in any object, at any depth) that hold personal data. */
  piiFields?: Iterable<string>;
}

/** A deep copy of `value` with secret-named keys and PII fields replaced. */
export function redactJson(value: unknown, options: RedactOptions = {}): unknown {
  const pii = new Set([...(options.piiFields ?? [])].map((field) => field.toLowerCase()));
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (SECRET_KEY.test(key) || pii.has(key.toLowerCase())) out[key] = REDACTED;
      else out[key] = walk(child);
    }
    return out;
  };
  return walk(value);
}

/** Replaces every occurrence of the given secret strings in free text (log lines, bodies). */
export function redactSecretsInText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** pino `redact.paths` covering the same rule for structured log records. */
export const LOG_REDACT_PATHS = [
  'secret',
  'secrets',
  'password',
  'token',
  'authorization',
  '*.secret',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'headers["x-signature"]',
  'headers["webhook-signature"]',
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'req.headers["webhook-signature"]',
  'signature',
  '*.signature',
];
