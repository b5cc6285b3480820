import { describe, expect, it } from 'vitest';
import { FakeClock, isoUtc, unixSeconds } from '../../lib/clock.js';

describe('FakeClock', () => {
  it('stands still until advanced or set', () => {
    const clock = new FakeClock(1_700_000_000_000);
    expect(clock.now()).toBe(1_700_000_000_000);
    expect(clock.now()).toBe(1_700_000_000_000);
    clock.advance(1_500);
    expect(clock.now()).toBe(1_700_000_001_500);
    clock.set(0);
    expect(clock.now()).toBe(0);
  });
});

describe('unixSeconds and isoUtc', () => {
  it('floor milliseconds to whole seconds', () => {
    expect(unixSeconds(new FakeClock(1_614_265_330_999))).toBe(1_614_265_330);
    expect(unixSeconds(new FakeClock(1_614_265_331_000))).toBe(1_614_265_331);
  });

  it('write UTC ISO-8601 with milliseconds and Z', () => {
    expect(isoUtc(1_614_265_330_123)).toBe('2021-02-25T15:02:10.123Z');
  });
});
