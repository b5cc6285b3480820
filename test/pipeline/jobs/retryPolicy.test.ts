import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../../contracts/partners/partnerProfile.js';
import { seededRandom } from '../../../lib/seededRandom.js';
import { retryDelayBounds, retryDelayMs } from '../../../pipeline/jobs/retryPolicy.js';

/** p_001's outbound webhook policy (partners/p_001-acme-retail.yaml). */
const WEBHOOK_DELIVERY: RetryPolicy = { max_attempts: 8, backoff_ms_cap: 300_000, jitter: 'full' };
const LAST_BELOW_ONE = 1 - Number.EPSILON;

describe('retry backoff', () => {
  it('doubles from one second up to the cap without jitter', () => {
    const policy: RetryPolicy = { ...WEBHOOK_DELIVERY, jitter: 'none' };
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((attempt) =>
      retryDelayMs(policy, attempt, () => 0.5),
    );
    expect(delays).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
    ]);
  });

  it('full jitter ranges over [0, capped delay]', () => {
    expect(retryDelayMs(WEBHOOK_DELIVERY, 3, () => 0)).toBe(0);
    expect(retryDelayMs(WEBHOOK_DELIVERY, 3, () => LAST_BELOW_ONE)).toBe(4_000);
    expect(retryDelayMs(WEBHOOK_DELIVERY, 20, () => LAST_BELOW_ONE)).toBe(300_000);
  });

  it('equal jitter keeps at least half the delay', () => {
    const policy: RetryPolicy = { ...WEBHOOK_DELIVERY, jitter: 'equal' };
    expect(retryDelayMs(policy, 3, () => 0)).toBe(2_000);
    expect(retryDelayMs(policy, 3, () => LAST_BELOW_ONE)).toBe(4_000);
  });

  it('stays within its bounds for every attempt, policy and random draw', () => {
    const random = seededRandom(11);
    for (const jitter of ['none', 'full', 'equal'] as const) {
      for (const cap of [0, 250, 60_000, 600_000]) {
        const policy: RetryPolicy = { max_attempts: 50, backoff_ms_cap: cap, jitter };
        for (let attempt = 1; attempt <= 50; attempt++) {
          const { minMs, maxMs } = retryDelayBounds(policy, attempt);
          expect(maxMs).toBeLessThanOrEqual(cap);
          for (let draw = 0; draw < 20; draw++) {
            const delay = retryDelayMs(policy, attempt, random.next);
            expect(Number.isInteger(delay)).toBe(true);
            expect(delay).toBeGreaterThanOrEqual(minMs);
            expect(delay).toBeLessThanOrEqual(maxMs);
          }
        }
      }
    }
  });

  it("a certification profile's scaled-down cap clips the first delay too", () => {
    const scaled: RetryPolicy = { max_attempts: 4, backoff_ms_cap: 200, jitter: 'none' };
    expect(retryDelayMs(scaled, 1, Math.random)).toBe(200);
  });
});
