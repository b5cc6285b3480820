/**
 * Time as a dependency. Everything that reads the time takes a Clock, so tests drive time by hand
 * instead of sleeping, and a simulator can model a delayed message without waiting for it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  #ms: number;

  constructor(startMs: number) {
    this.#ms = startMs;
  }

  now(): number {
    return this.#ms;
  }

  advance(ms: number): void {
    this.#ms += ms;
  }

  set(ms: number): void {
    this.#ms = ms;
  }
}

export function unixSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
