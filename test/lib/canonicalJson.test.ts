import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/canonicalJson.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, 2], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,1,2]},"b":1}',
    );
  });

  it('gives the same text for documents that differ only in key order and spacing', () => {
    const one = JSON.parse('{ "order": { "total": 1999, "id": "A-1" }, "type": "order.created" }');
    const two = JSON.parse('{"type":"order.created",\n  "order":{"id":"A-1","total":1999}}');
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('tells apart documents whose values differ, including array order', () => {
    expect(canonicalJson({ items: [1, 2] })).not.toBe(canonicalJson({ items: [2, 1] }));
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson([{ b: 1, a: 2 }, [{ z: 0, y: 1 }]])).toBe(
      '[{"a":2,"b":1},[{"y":1,"z":0}]]',
    );
  });

  it('leaves out undefined fields as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('escapes strings and keys like JSON', () => {
    expect(canonicalJson({ 'k"ey': 'line\nbreak é' })).toBe('{"k\\"ey":"line\\nbreak é"}');
  });

  it('is valid JSON holding the same value, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('does not depend on insertion order of keys, for any object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
      }),
      { numRuns: 300, seed: 18 },
    );
  });
});
