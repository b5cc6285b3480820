import { describe, expect, it } from 'vitest';
import { callerAllowlist } from '../../../../pipeline/api/auth/callerAllowlist.js';

describe('callerAllowlist', () => {
  const list = callerAllowlist(['10.20.0.0/16', '192.0.2.7', '2001:db8::/32']);

  it.each([
    ['10.20.255.1', true],
    ['10.21.0.1', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
    ['::ffff:10.20.1.1', true],
    ['::FFFF:10.21.1.1', false],
    ['2001:db8:1::5', true],
    ['2001:db9::5', false],
    ['not-an-address', false],
    [undefined, false],
  ])('%s → %s', (address, allowed) => {
    expect(list.allows(address)).toBe(allowed);
  });
});
