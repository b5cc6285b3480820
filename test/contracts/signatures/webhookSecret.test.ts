import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  SECRET_PREFIX,
  generateWebhookSecret,
  parseSecretList,
  standardWebhooksKey,
  xSignatureKey,
} from '../../../contracts/signatures/webhookSecret.js';

describe('generateWebhookSecret', () => {
  it('makes whsec_ secrets of 32 random bytes that the standardwebhooks library accepts', () => {
    const secret = generateWebhookSecret();
    expect(secret.startsWith(SECRET_PREFIX)).toBe(true);
    expect(standardWebhooksKey(secret)).toHaveLength(32);
    expect(() => new Webhook(secret)).not.toThrow();
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

describe('standardWebhooksKey', () => {
  it('decodes the base64 after the prefix, with or without the prefix', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const encoded = key.toString('base64');
    expect(standardWebhooksKey(`whsec_${encoded}`).equals(key)).toBe(true);
    expect(standardWebhooksKey(encoded).equals(key)).toBe(true);
  });

  it('refuses an empty secret and one that is not base64', () => {
    expect(() => standardWebhooksKey('')).toThrow('webhook secret is empty');
    expect(() => standardWebhooksKey('whsec_')).toThrow('webhook secret is empty');
    expect(() => standardWebhooksKey('whsec_not base64!')).toThrow(/not base64/);
  });
});

describe('xSignatureKey', () => {
  it('uses the whole secret string, prefix included, as UTF-8 bytes', () => {
    expect(xSignatureKey('whsec_abc').toString('utf8')).toBe('whsec_abc');
    expect(() => xSignatureKey('')).toThrow('webhook secret is empty');
  });
});

describe('parseSecretList', () => {
  it('reads one secret, or several separated by whitespace during a rotation', () => {
    expect(parseSecretList('whsec_a')).toEqual(['whsec_a']);
    expect(parseSecretList('  whsec_old \n whsec_new\t')).toEqual(['whsec_old', 'whsec_new']);
    expect(parseSecretList('   ')).toEqual([]);
  });
});
