import type { RetryPolicy } from '../../contracts/partners/partnerProfile.js';

/** For work no partner profile governs (housekeeping): a few tries, a minute apart at most. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  max_attempts: 5,
  backoff_ms_cap: 60_000,
  jitter: 'full',
};

/**
 * The first retry's delay before jitter. The profile's retry_policy names only a cap; one second
 * doubling per attempt reaches the production caps (60–600 s) within 6–10 attempts, and a
 * certification profile's scaled-down cap simply clips it.
 */
export const BACKOFF_BASE_MS = 1_000;

/**
 * How long to wait after failed attempt `attempt` (from 1): exponential backoff capped at the
 * policy's backoff_ms_cap, with the policy's jitter (AWS's "Exponential Backoff and Jitter"):
 * none = the capped delay; full = uniform in [0, delay]; equal = delay/2 + uniform in [0, delay/2].
 * Full jitter spreads the retries of many jobs that failed together (a partner's outage) instead
 * of sending them back in one wave. `random` is in [0, 1): seeded or injected in tests.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const delay = cappedDelayMs(policy, attempt);
  switch (policy.jitter) {
    case 'none':
      return delay;
    case 'full':
      return Math.floor(random() * (delay + 1));
    case 'equal':
      return Math.floor(delay / 2 + random() * (delay / 2 + 1));
  }
}

/** The bounds `retryDelayMs` stays within for `attempt`, for tests and for the ops reader. */
export function retryDelayBounds(
  policy: RetryPolicy,
  attempt: number,
): { minMs: number; maxMs: number } {
  const delay = cappedDelayMs(policy, attempt);
  switch (policy.jitter) {
    case 'none':
      return { minMs: delay, maxMs: delay };
    case 'full':
      return { minMs: 0, maxMs: delay };
    case 'equal':
      return { minMs: Math.floor(delay / 2), maxMs: delay };
  }
}

function cappedDelayMs(policy: RetryPolicy, attempt: number): number {
  // Past 2 ** 40 s any cap has long decided; clipping the exponent keeps the number finite.
  const exponent = Math.min(Math.max(0, attempt - 1), 40);
  return Math.min(policy.backoff_ms_cap, BACKOFF_BASE_MS * 2 ** exponent);
}
