import { createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readCursor,
  signCursor,
  type ExportCursor,
} from '../../../../pipeline/api/orders/exportCursor.js';

/**
 * The export cursor on its own: what we signed reads back as it was, and no edit of it, however
 * small, reads as a cursor (the route answers 400 invalid_cursor). Another key's cursor is refused
 * too: keys differ only between stores, so a cursor never crosses to a pipeline that did not
 * issue it.
 */
describe('the export cursor', () => {
  const key = createSecretKey(randomBytes(32));
  const cursorArb: fc.Arbitrary<ExportCursor> = fc.record({
    partnerId: fc.string({ minLength: 1, maxLength: 40 }),
    position: fc.record({
      xid: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
      seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    }),
    changedSince: fc.option(
      fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString()),
      { nil: null },
    ),
  });

  it('reads back what was signed', () => {
    fc.assert(
      fc.property(cursorArb, (cursor) => {
        expect(readCursor(key, signCursor(key, cursor))).toEqual(cursor);
      }),
    );
  });

  it('refuses any edit: a character changed, dropped or added', () => {
    fc.assert(
      fc.property(
        cursorArb,
        fc.nat(),
        fc.constantFrom('change', 'drop', 'add'),
        fc.string({ minLength: 1, maxLength: 1 }),
        (cursor, at, edit, char) => {
          const text = signCursor(key, cursor);
          const index = at % text.length;
          const edited =
            edit === 'drop'
              ? text.slice(0, index) + text.slice(index + 1)
              : edit === 'add'
                ? text.slice(0, index) + char + text.slice(index)
                : text.slice(0, index) +
                  (text[index] === char ? (char === 'A' ? 'B' : 'A') : char) +
                  text.slice(index + 1);
          fc.pre(edited !== text);
          expect(readCursor(key, edited)).toBeUndefined();
        },
      ),
    );
  });

  it('refuses a signature spelled another way for the same bytes (base64 spare bits)', () => {
    const text = signCursor(key, {
      partnerId: 'p_001',
      position: { xid: '9', seq: 1 },
      changedSince: null,
    });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(text.at(-1) as string);
    // 32 bytes take 43 characters: the last one's two low bits carry nothing.
    const twin = `${text.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(twin.split('.')[1] as string, 'base64url')).toEqual(
      Buffer.from(text.split('.')[1] as string, 'base64url'),
    );
    expect(readCursor(key, twin)).toBeUndefined();
  });

  it("refuses another key's cursor", () => {
    const cursor = { partnerId: 'p_001', position: { xid: '123', seq: 4 }, changedSince: null };
    expect(readCursor(createSecretKey(randomBytes(32)), signCursor(key, cursor))).toBeUndefined();
  });
});
