import type { FakeClock } from '../../lib/clock.js';

/**
 * Waiting as a dependency, as the Clock is time. The API client waits in two places: before a
 * retry the pipeline asked for (`Retry-After`), and while a token it keeps runs past its expiry
 * (the expiredToken fault). A real partner sleeps; a test or a harness that owns the pipeline's
 * clock moves that clock instead, so the wait is modelled and costs nothing.
 */
export interface Sleeper {
  sleep(ms: number): Promise<void>;
}

/** Really waits: for a pipeline whose clock we do not own (a remote SUT, a child process). */
export const realSleeper: Sleeper = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Moves a FakeClock instead of waiting. Shared with the pipeline under test, it moves both sides'
 * time at once: a 429's `Retry-After: 1` opens the next rate window, a token kept 301 s expires.
 */
export function clockSleeper(clock: FakeClock): Sleeper {
  return {
    async sleep(ms) {
      clock.advance(Math.max(0, ms));
      // Let other requests in flight move on, as they would while a real caller waited.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
