import { describe, expect, it } from 'vitest';
import { hashString, seededRandom } from '../../lib/seededRandom.js';

/** bryc's published mulberry32, verbatim in behaviour: an independent reference for next(). */
function referenceMulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function take(count: number, next: () => number): number[] {
  return Array.from({ length: count }, () => next());
}

describe('seededRandom', () => {
  it('is mulberry32: a seed recorded by one run replays the same numbers', () => {
    for (const seed of [0, 1, 42, 2 ** 31 - 1, 0xdeadbeef]) {
      expect(take(20, seededRandom(seed).next)).toEqual(take(20, referenceMulberry32(seed)));
    }
  });

  it('gives the same sequence for the same seed and another for another seed', () => {
    expect(take(10, seededRandom(7).next)).toEqual(take(10, seededRandom(7).next));
    expect(take(10, seededRandom(7).next)).not.toEqual(take(10, seededRandom(8).next));
  });

  it('draws floats in [0, 1) and integers in [0, max)', () => {
    const random = seededRandom(123);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      const int = random.int(6);
      expect(Number.isInteger(int)).toBe(true);
      seen.add(int);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('forks streams that are deterministic per label and independent of the parent', () => {
    const parent = seededRandom(99);
    const forkA = take(10, parent.fork('scenario-a').next);
    take(50, parent.next); // the parent moving on must not change later forks
    expect(take(10, parent.fork('scenario-a').next)).toEqual(forkA);
    expect(take(10, seededRandom(99).fork('scenario-a').next)).toEqual(forkA);
    expect(take(10, parent.fork('scenario-b').next)).not.toEqual(forkA);
    expect(take(10, seededRandom(100).fork('scenario-a').next)).not.toEqual(forkA);

    // ...and drawing from a fork leaves the parent's sequence alone.
    const untouched = seededRandom(5);
    const expected = take(5, seededRandom(5).next);
    take(20, untouched.fork('x').next);
    expect(take(5, untouched.next)).toEqual(expected);
  });

  it('shuffles into a permutation, leaves the input alone, and repeats per seed', () => {
    const items = Array.from({ length: 20 }, (_, index) => index);
    const shuffled = seededRandom(2024).shuffle(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(items).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(seededRandom(2024).shuffle(items)).toEqual(shuffled);
    expect(seededRandom(2025).shuffle(items)).not.toEqual(shuffled);
    expect(seededRandom(1).shuffle([])).toEqual([]);
  });

  it('keeps the seed it was made with', () => {
    expect(seededRandom(31337).seed).toBe(31337);
  });
});

describe('hashString', () => {
  it('is 32-bit FNV-1a (published test vectors)', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });
});
