import { describe, expect, it } from 'vitest';
import {
  checkWindow,
  headerValue,
  sameBytes,
} from '../../../contracts/signatures/signatureCheck.js';

describe('checkWindow', () => {
  const signedAt = 1_700_000_000;

  it('accepts a timestamp up to the tolerance away, in both directions', () => {
    expect(checkWindow(signedAt, signedAt, 300, 'msg_1')).toEqual({
      ok: true,
      timestampS: signedAt,
      messageId: 'msg_1',
    });
    expect(checkWindow(signedAt, signedAt + 300, 300).ok).toBe(true);
    expect(checkWindow(signedAt, signedAt - 300, 300).ok).toBe(true);
  });

  it('says how old an expired signature is and what the window is', () => {
    const result = checkWindow(signedAt, signedAt + 301, 300, 'msg_1');
    expect(result).toMatchObject({
      ok: false,
      failure: 'expired',
      timestampS: signedAt,
      messageId: 'msg_1',
    });
    if (!result.ok) expect(result.detail).toBe('signed 301 s ago; the replay window is 300 s');
  });

  it('says how far in the future a signature is', () => {
    const result = checkWindow(signedAt, signedAt - 360, 300);
    expect(result).toMatchObject({ ok: false, failure: 'future' });
    if (!result.ok)
      expect(result.detail).toBe('signed 360 s in the future; the replay window is 300 s');
  });
});

describe('sameBytes', () => {
  it('compares contents, and is false (not a throw) for different lengths', () => {
    expect(sameBytes(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(sameBytes(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(sameBytes(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
    expect(sameBytes(Buffer.alloc(32), Buffer.alloc(0))).toBe(false);
  });
});

describe('headerValue', () => {
  it('finds a header whatever its case and joins repeated values', () => {
    const headers = { 'X-Signature': 't=1,v1=a', 'Webhook-Id': ['a', 'b'], empty: undefined };
    expect(headerValue(headers, 'x-signature')).toBe('t=1,v1=a');
    expect(headerValue(headers, 'WEBHOOK-ID')).toBe('a,b');
    expect(headerValue(headers, 'empty')).toBeUndefined();
    expect(headerValue(headers, 'absent')).toBeUndefined();
  });
});
