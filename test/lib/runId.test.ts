import { describe, expect, it } from 'vitest';
import { newRunId } from '../../lib/runId.js';

describe('newRunId', () => {
  it('starts with the UTC time to the second, then six hex characters', () => {
    expect(newRunId(Date.UTC(2026, 10, 23, 14, 44, 0, 789))).toMatch(
      /^20261123T144400Z-[0-9a-f]{6}$/,
    );
  });

  it('sorts by time', () => {
    const earlier = newRunId(Date.UTC(2026, 0, 1, 23, 59, 59));
    const later = newRunId(Date.UTC(2026, 0, 2, 0, 0, 0));
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });
});
