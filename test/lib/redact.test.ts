import { describe, expect, it } from 'vitest';
import {
  REDACTED,
  isSecretHeader,
  redactHeaders,
  redactJson,
  redactSecretsInText,
} from '../../lib/redact.js';

describe('redactHeaders', () => {
  it('hides credential and signature headers whatever their case, and keeps the rest', () => {
    expect(
      redactHeaders({
        'X-Signature': 't=1,v1=abc',
        'webhook-signature': 'v1,abc',
        'Stripe-Signature': 't=1,v1=abc',
        Authorization: 'Bearer token',
        cookie: 'session=1',
        'x-api-key': 'k',
        'content-type': 'application/json',
        'webhook-id': 'evt_1',
        'x-correlation-id': 'run.1',
      }),
    ).toEqual({
      'X-Signature': REDACTED,
      'webhook-signature': REDACTED,
      'Stripe-Signature': REDACTED,
      Authorization: REDACTED,
      cookie: REDACTED,
      'x-api-key': REDACTED,
      'content-type': 'application/json',
      'webhook-id': 'evt_1',
      'x-correlation-id': 'run.1',
    });
  });

  it('joins repeated headers, drops absent ones, and redacts repeated secret ones', () => {
    expect(
      redactHeaders({ accept: ['a', 'b'], 'set-cookie': ['x=1', 'y=2'], gone: undefined }),
    ).toEqual({ accept: 'a, b', 'set-cookie': REDACTED });
  });

  it('says which header names are secret', () => {
    expect(isSecretHeader('X-SIGNATURE')).toBe(true);
    expect(isSecretHeader('webhook-timestamp')).toBe(false);
  });
});

describe('redactJson', () => {
  it('hides secret-named keys at any depth, inside arrays too, whatever their case', () => {
    const input = {
      partner: 'p_001',
      secret_env: 'B2B_P_001_WEBHOOK_SECRET',
      auth: { Client_Secret: 's3', nested: [{ token: 't', keep: 1 }, { PASSWORD: 'p' }] },
      api_key: 'k',
    };
    expect(redactJson(input)).toEqual({
      partner: 'p_001',
      // Only whole key names match: the name of the variable holding a secret stays readable.
      secret_env: 'B2B_P_001_WEBHOOK_SECRET',
      auth: {
        Client_Secret: REDACTED,
        nested: [{ token: REDACTED, keep: 1 }, { PASSWORD: REDACTED }],
      },
      api_key: REDACTED,
    });
  });

  it('hides the PII fields a profile flags, at any depth, whatever their case', () => {
    const event = {
      event_id: 'evt_1',
      data: {
        order: { OrderNumber: 'A-1', BuyerEmail: 'jane@example.com', buyer: { buyeremail: 'x' } },
      },
    };
    expect(redactJson(event, { piiFields: ['BuyerEmail'] })).toEqual({
      event_id: 'evt_1',
      data: {
        order: { OrderNumber: 'A-1', BuyerEmail: REDACTED, buyer: { buyeremail: REDACTED } },
      },
    });
  });

  it('returns a copy and leaves the input untouched', () => {
    const input = { token: 'abc', list: [1, 2] };
    const output = redactJson(input) as typeof input;
    expect(input).toEqual({ token: 'abc', list: [1, 2] });
    expect(output.list).not.toBe(input.list);
  });

  it('passes scalars and null through', () => {
    expect(redactJson('text')).toBe('text');
    expect(redactJson(null)).toBeNull();
    expect(redactJson([1, 'a'])).toEqual([1, 'a']);
  });
});

describe('redactSecretsInText', () => {
  it('replaces every occurrence of each secret in free text', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const other = 'whsec_second_secret_value';
    const text = `using ${secret}; again ${secret} and ${other}.`;
    expect(redactSecretsInText(text, [secret, other])).toBe(
      `using ${REDACTED}; again ${REDACTED} and ${REDACTED}.`,
    );
  });

  it('leaves strings shorter than 8 characters alone (they would mangle ordinary text)', () => {
    expect(redactSecretsInText('order a total', ['a', 'total'])).toBe('order a total');
  });
});
