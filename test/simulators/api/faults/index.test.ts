import { describe, expect, it } from 'vitest';
import { API_FAULTS, applyApiFaults } from '../../../../simulators/api/faults/index.js';
import { context, createCall, plan } from '../callFixtures.js';

describe('API client fault registry', () => {
  it('names every fault by the name scenario files use, each with a summary', () => {
    expect(Object.keys(API_FAULTS).sort()).toEqual([
      'burstBeyondRateLimit',
      'expiredToken',
      'forgedToken',
      'noIdempotencyKey',
      'replayIdempotencyKey',
      'tamperCursor',
      'wrongScope',
    ]);
    for (const [name, fault] of Object.entries(API_FAULTS)) {
      expect(fault.name).toBe(name);
      expect(fault.summary.length).toBeGreaterThan(10);
    }
  });

  it('applies faults in the order given', () => {
    const result = applyApiFaults(
      plan(createCall()),
      [{ name: 'replayIdempotencyKey' }, { name: 'wrongScope' }],
      context(),
    );
    expect(result.flat().map((call) => call.faults)).toEqual([
      ['wrongScope'],
      ['replayIdempotencyKey', 'wrongScope'],
    ]);
  });

  it('refuses an unknown fault, naming the known ones', () => {
    expect(() => applyApiFaults(plan(createCall()), [{ name: 'dupe' }], context())).toThrow(
      /unknown API client fault "dupe" \(known: expiredToken, forgedToken/,
    );
  });
});
