/**
 * What any JSON a partner sends must stay within before a field of it is read: bounds that keep
 * one hostile or broken payload from costing memory, stack or a failed store write.
 *
 * Text follows I-JSON (RFC 7493 §2.1): no unpaired UTF-16 surrogates, which no UTF-8 store can
 * hold; and no U+0000, which PostgreSQL text and jsonb cannot hold. Either would otherwise fail
 * the inbox's statement after the signature was accepted: a 500 on every retry.
 */
export const PAYLOAD_LIMITS = {
  /** Objects and arrays inside one another. */
  maxDepth: 32,
  /** Characters in any one string, keys included. */
  maxStringLength: 65_536,
  maxArrayLength: 10_000,
  maxObjectKeys: 1_000,
} as const;

export interface PayloadProblem {
  /** JSON pointer to the offending value. */
  field: string;
  rule: 'max_depth' | 'max_string_length' | 'max_array_length' | 'max_object_keys' | 'text';
  reason: string;
}

/**
 * The first few problems of `document`, found without recursion (a deep document cannot exhaust
 * the stack here). Never quotes a value: problems end up in audit rows and alerts.
 */
export function payloadProblems(document: unknown, maxProblems = 10): PayloadProblem[] {
  const problems: PayloadProblem[] = [];
  // Pointers are built only for a value with a problem: every node remembers its parent and key.
  const stack: Visit[] = [{ value: document, parent: undefined, key: '', depth: 0 }];
  while (stack.length > 0 && problems.length < maxProblems) {
    const visit = stack.pop() as Visit;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) problems.push({ field: pointerOf(visit), ...problem });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= PAYLOAD_LIMITS.maxDepth) {
      problems.push({
        field: pointerOf(visit),
        rule: 'max_depth',
        reason: `nests deeper than ${PAYLOAD_LIMITS.maxDepth} levels`,
      });
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length > PAYLOAD_LIMITS.maxArrayLength) {
        problems.push({
          field: pointerOf(visit),
          rule: 'max_array_length',
          reason: `has more than ${PAYLOAD_LIMITS.maxArrayLength} items`,
        });
        continue;
      }
      for (let index = value.length - 1; index >= 0; index--)
        stack.push({ value: value[index], parent: visit, key: String(index), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > PAYLOAD_LIMITS.maxObjectKeys) {
      problems.push({
        field: pointerOf(visit),
        rule: 'max_object_keys',
        reason: `has more than ${PAYLOAD_LIMITS.maxObjectKeys} fields`,
      });
      continue;
    }
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      const keyProblem = textProblem(key);
      if (keyProblem) {
        // The key itself cannot go into a pointer safely; name its parent and position.
        problems.push({
          field: `${pointerOf(visit)}/#${index}`,
          rule: keyProblem.rule,
          reason: `field name ${keyProblem.reason}`,
        });
        continue;
      }
      stack.push({
        value: (value as Record<string, unknown>)[key],
        parent: visit,
        key,
        depth: depth + 1,
      });
    }
  }
  return problems;
}

interface Visit {
  value: unknown;
  parent: Visit | undefined;
  key: string;
  depth: number;
}

/** The RFC 6901 pointer of a visited value: `~` and `/` escaped, each key bounded. */
function pointerOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent)
    keys.push(escapePointer(at.key));
  return keys.length === 0 ? '' : `/${keys.reverse().join('/')}`;
}

const LONE_SURROGATE = /\p{Cs}/u;

function textProblem(text: string): Omit<PayloadProblem, 'field'> | undefined {
  if (text.length > PAYLOAD_LIMITS.maxStringLength)
    return {
      rule: 'max_string_length',
      reason: `is longer than ${PAYLOAD_LIMITS.maxStringLength} characters`,
    };
  if (text.includes('\u0000')) return { rule: 'text', reason: 'contains U+0000 (NUL)' };
  // With the u flag a surrogate pair is one code point, so \p{Cs} matches only unpaired halves.
  if (LONE_SURROGATE.test(text))
    return { rule: 'text', reason: 'contains an unpaired UTF-16 surrogate (not I-JSON)' };
  return undefined;
}

/** `~` and `/` escaped; bounded, so a pointer never carries a whole long key. */
function escapePointer(key: string): string {
  const escaped = key.replace(/~/g, '~0').replace(/\//g, '~1');
  return escaped.length > 128 ? `${escaped.slice(0, 128)}…` : escaped;
}
