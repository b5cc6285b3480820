import { describe, expect, it } from 'vitest';
import { PAYLOAD_LIMITS, payloadProblems } from '../../../pipeline/webhooks/payloadLimits.js';

const rules = (document: unknown) => payloadProblems(document).map((p) => `${p.field}:${p.rule}`);

describe('payloadProblems: what any JSON a partner sends must stay within', () => {
  it('passes ordinary documents, emoji (paired surrogates) included', () => {
    expect(rules({ a: [1, 'x', { b: null }], name: 'Zoë 😀' })).toEqual([]);
  });

  it('names NUL and unpaired surrogates anywhere, keys included, by JSON pointer', () => {
    expect(rules({ data: { order: { Note: 'a\u0000b' } } })).toEqual(['/data/order/Note:text']);
    expect(rules({ list: ['ok', 'bad\ud800'] })).toEqual(['/list/1:text']);
    expect(rules({ ['k\udc00']: 1 })).toEqual(['/#0:text']);
  });

  it('refuses nesting past the limit without recursion', () => {
    const depth = 100_000;
    const nested = JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;
    const problems = payloadProblems(nested);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.rule).toBe('max_depth');
    expect(problems[0]?.field.split('/')).toHaveLength(PAYLOAD_LIMITS.maxDepth + 1);
  });

  it('refuses huge strings, arrays and objects', () => {
    expect(rules({ s: 'x'.repeat(PAYLOAD_LIMITS.maxStringLength + 1) })).toEqual([
      '/s:max_string_length',
    ]);
    expect(rules({ a: new Array(PAYLOAD_LIMITS.maxArrayLength + 1).fill(0) })).toEqual([
      '/a:max_array_length',
    ]);
    const wide = Object.fromEntries(
      Array.from({ length: PAYLOAD_LIMITS.maxObjectKeys + 1 }, (_, i) => [`k${i}`, i]),
    );
    expect(rules({ o: wide })).toEqual(['/o:max_object_keys']);
  });

  it('escapes pointer characters and never copies a value into the reason', () => {
    const problems = payloadProblems({ 'a/b~c': 'secret\u0000value' });
    expect(problems.map((p) => p.field)).toEqual(['/a~1b~0c']);
    expect(JSON.stringify(problems)).not.toContain('secret');
  });
});
