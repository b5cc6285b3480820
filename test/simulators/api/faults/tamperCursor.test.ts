import { describe, expect, it } from 'vitest';
import { tamperCursor } from '../../../../simulators/api/faults/tamperCursor.js';
import { context, exportCall, plan } from '../callFixtures.js';

const CURSOR = 'eyJ2IjoxLCJwIjoicF8wMDEifQ.c2lnbmF0dXJlLW9mLWN1cnNvcg';

describe('tamperCursor fault', () => {
  it('changes exactly one character of the cursor, keeping it well-formed base64url', () => {
    const [call] = tamperCursor
      .apply(plan(exportCall({ cursor: CURSOR, limit: '5' })), {}, context())
      .flat();
    const tampered = call?.query.cursor ?? '';
    expect(tampered).not.toBe(CURSOR);
    expect(tampered).toHaveLength(CURSOR.length);
    expect([...tampered].filter((char, at) => char !== CURSOR[at])).toHaveLength(1);
    expect(tampered).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(call?.query.limit).toBe('5');
    expect(call?.faults).toEqual(['tamperCursor']);
  });

  it('never moves the separator, and wraps round the alphabet', () => {
    const dot = CURSOR.indexOf('.');
    const [call] = tamperCursor
      .apply(plan(exportCall({ cursor: CURSOR })), { position: dot }, context())
      .flat();
    expect(call?.query.cursor?.indexOf('.')).toBe(dot);
    const [last] = tamperCursor
      .apply(plan(exportCall({ cursor: 'ab_' })), { position: 2 }, context())
      .flat();
    expect(last?.query.cursor).toBe('abA');
  });

  it('leaves a call without a cursor (a first page) alone', () => {
    const [call] = tamperCursor.apply(plan(exportCall({ limit: '5' })), {}, context()).flat();
    expect(call).toEqual(exportCall({ limit: '5' }));
  });
});
