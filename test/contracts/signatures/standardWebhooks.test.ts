import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  STANDARD_WEBHOOKS_HEADERS,
  signStandardWebhooks,
  verifyStandardWebhooks,
} from '../../../contracts/signatures/standardWebhooks.js';

// The published vector from the standard-webhooks JavaScript library's own test suite.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampS: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
} as const;

const OTHER_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const WINDOW = 300;

function headersFor(signature: string, overrides: Record<string, string | undefined> = {}) {
  return {
    [STANDARD_WEBHOOKS_HEADERS.id]: VECTOR.msgId,
    [STANDARD_WEBHOOKS_HEADERS.timestamp]: String(VECTOR.timestampS),
    [STANDARD_WEBHOOKS_HEADERS.signature]: signature,
    ...overrides,
  };
}

function verify(
  headers: Record<string, string | string[] | undefined>,
  options: { body?: string; secrets?: string[]; nowS?: number } = {},
) {
  return verifyStandardWebhooks({
    headers,
    body: Buffer.from(options.body ?? VECTOR.payload),
    secrets: options.secrets ?? [VECTOR.secret],
    nowS: options.nowS ?? VECTOR.timestampS,
    toleranceS: WINDOW,
  });
}

describe('Standard Webhooks published vector', () => {
  it('signs the vector to exactly the published signature', () => {
    expect(
      signStandardWebhooks(VECTOR.secret, VECTOR.msgId, VECTOR.timestampS, VECTOR.payload),
    ).toBe(VECTOR.signature);
  });

  it('accepts the vector at its own timestamp', () => {
    expect(verify(headersFor(VECTOR.signature))).toEqual({
      ok: true,
      timestampS: VECTOR.timestampS,
      messageId: VECTOR.msgId,
    });
  });

  it('signs the same with the secret written without the whsec_ prefix', () => {
    const bare = VECTOR.secret.slice('whsec_'.length);
    expect(signStandardWebhooks(bare, VECTOR.msgId, VECTOR.timestampS, VECTOR.payload)).toBe(
      VECTOR.signature,
    );
    expect(verify(headersFor(VECTOR.signature), { secrets: [bare] }).ok).toBe(true);
  });
});

describe('Standard Webhooks against the standardwebhooks library', () => {
  // The library reads Date.now(); only Date is faked, pinned to the vector's timestamp.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(VECTOR.timestampS * 1000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the library itself accepts the published vector (sanity of the vector)', () => {
    const webhook = new Webhook(VECTOR.secret);
    expect(webhook.verify(VECTOR.payload, headersFor(VECTOR.signature))).toEqual({
      test: 2432232314,
    });
  });

  it('headers we sign verify with the library', () => {
    const body = '{"event_id":"evt_42","type":"order.created"}';
    const headers = {
      'webhook-id': 'evt_42',
      'webhook-timestamp': String(VECTOR.timestampS),
      'webhook-signature': signStandardWebhooks(OTHER_SECRET, 'evt_42', VECTOR.timestampS, body),
    };
    expect(new Webhook(OTHER_SECRET).verify(body, headers)).toEqual({
      event_id: 'evt_42',
      type: 'order.created',
    });
  });

  it('a rotation header we sign with two secrets verifies with the library under each', () => {
    const signature = signStandardWebhooks(
      [VECTOR.secret, OTHER_SECRET],
      VECTOR.msgId,
      VECTOR.timestampS,
      VECTOR.payload,
    );
    expect(signature.split(' ')).toHaveLength(2);
    for (const secret of [VECTOR.secret, OTHER_SECRET]) {
      expect(new Webhook(secret).verify(VECTOR.payload, headersFor(signature))).toEqual({
        test: 2432232314,
      });
    }
  });

  it('signatures made by the library verify with ours', () => {
    const signature = new Webhook(OTHER_SECRET).sign(
      'msg_lib',
      new Date(VECTOR.timestampS * 1000),
      VECTOR.payload,
    );
    const result = verify(headersFor(signature, { 'webhook-id': 'msg_lib' }), {
      secrets: [OTHER_SECRET],
    });
    expect(result).toEqual({ ok: true, timestampS: VECTOR.timestampS, messageId: 'msg_lib' });
  });

  it('both accept a multi-signature header with bad and unknown-version entries', () => {
    const bad = `v1,${Buffer.alloc(32).toString('base64')}`;
    const header = `${bad} v2,xxxx ${VECTOR.signature}`;
    expect(verify(headersFor(header)).ok).toBe(true);
    expect(new Webhook(VECTOR.secret).verify(VECTOR.payload, headersFor(header))).toEqual({
      test: 2432232314,
    });
  });

  it('both skip a correct signature sent under an unknown version', () => {
    const v2 = VECTOR.signature.replace(/^v1,/, 'v2,');
    expect(verify(headersFor(v2))).toMatchObject({ ok: false, failure: 'mismatch' });
    expect(() => new Webhook(VECTOR.secret).verify(VECTOR.payload, headersFor(v2))).toThrow(
      /No matching signature/,
    );
  });

  it('signs byte-for-byte like the library for arbitrary ids, timestamps, bodies and keys', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.integer({ min: 1, max: 9_999_999_999 }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        (msgId, timestampS, payload, key) => {
          const secret = `whsec_${Buffer.from(key).toString('base64')}`;
          const ours = signStandardWebhooks(secret, msgId, timestampS, payload);
          expect(ours).toBe(new Webhook(secret).sign(msgId, new Date(timestampS * 1000), payload));
        },
      ),
      { numRuns: 200, seed: 1614265330 },
    );
  });
});

describe('verifyStandardWebhooks', () => {
  it('reports each missing header as "missing", naming it', () => {
    for (const name of Object.values(STANDARD_WEBHOOKS_HEADERS)) {
      const result = verify(headersFor(VECTOR.signature, { [name]: undefined }));
      expect(result).toMatchObject({ ok: false, failure: 'missing' });
      if (!result.ok) expect(result.detail).toContain(name);
    }
  });

  it('reports a timestamp that is not integer seconds as "malformed"', () => {
    for (const timestamp of ['1614265330.5', 'abc', '-1614265330', '2021-02-26T15:02:10Z']) {
      expect(
        verify(headersFor(VECTOR.signature, { 'webhook-timestamp': timestamp })),
      ).toMatchObject({ ok: false, failure: 'malformed' });
    }
  });

  it('reports an id containing "." as "malformed"', () => {
    const signature = signStandardWebhooks(
      VECTOR.secret,
      'msg.1',
      VECTOR.timestampS,
      VECTOR.payload,
    );
    expect(verify(headersFor(signature, { 'webhook-id': 'msg.1' }))).toMatchObject({
      ok: false,
      failure: 'malformed',
    });
  });

  it('reports a body changed by one byte as "mismatch"', () => {
    expect(
      verify(headersFor(VECTOR.signature), { body: VECTOR.payload.replace('2', '3') }),
    ).toMatchObject({ ok: false, failure: 'mismatch', messageId: VECTOR.msgId });
  });

  it('reports another message id over the same body as "mismatch"', () => {
    expect(verify(headersFor(VECTOR.signature, { 'webhook-id': 'msg_other' }))).toMatchObject({
      failure: 'mismatch',
    });
  });

  it('applies the window in both directions, accepting the exact edge', () => {
    const headers = headersFor(VECTOR.signature);
    expect(verify(headers, { nowS: VECTOR.timestampS + WINDOW }).ok).toBe(true);
    expect(verify(headers, { nowS: VECTOR.timestampS - WINDOW }).ok).toBe(true);
    expect(verify(headers, { nowS: VECTOR.timestampS + WINDOW + 1 })).toMatchObject({
      failure: 'expired',
    });
    expect(verify(headers, { nowS: VECTOR.timestampS - WINDOW - 1 })).toMatchObject({
      failure: 'future',
    });
  });

  it('checks the signature before the window: forged and stale reports "mismatch"', () => {
    const forged = signStandardWebhooks(
      OTHER_SECRET,
      VECTOR.msgId,
      VECTOR.timestampS,
      VECTOR.payload,
    );
    expect(verify(headersFor(forged), { nowS: VECTOR.timestampS + 10 * WINDOW })).toMatchObject({
      failure: 'mismatch',
    });
  });

  it('accepts any of the secrets during a rotation', () => {
    expect(
      verify(headersFor(VECTOR.signature), { secrets: [OTHER_SECRET, VECTOR.secret] }).ok,
    ).toBe(true);
    expect(verify(headersFor(VECTOR.signature), { secrets: [OTHER_SECRET] })).toMatchObject({
      failure: 'mismatch',
    });
  });

  it('finds the headers whatever their case', () => {
    const headers = {
      'Webhook-Id': VECTOR.msgId,
      'WEBHOOK-TIMESTAMP': String(VECTOR.timestampS),
      'Webhook-Signature': VECTOR.signature,
    };
    expect(verify(headers).ok).toBe(true);
  });

  it('refuses to sign with an empty secret', () => {
    expect(() => signStandardWebhooks('whsec_', VECTOR.msgId, 1, VECTOR.payload)).toThrow(/empty/);
    expect(() => signStandardWebhooks('', VECTOR.msgId, 1, VECTOR.payload)).toThrow(/empty/);
  });
});
