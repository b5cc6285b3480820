import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError, errorMessage, formatProblem } from '../../lib/errors.js';

describe('ConfigError', () => {
  it('lists every problem, one a line, as file:line: path: reason', () => {
    const error = new ConfigError([
      {
        file: 'partners/p_001.yaml',
        path: '/webhook/window_s',
        line: 14,
        reason: 'must be integer',
      },
      { file: 'partners/p_002.yaml', path: '', reason: 'cannot be read (ENOENT)' },
    ]);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(
      'partners/p_001.yaml:14: /webhook/window_s: must be integer\npartners/p_002.yaml: cannot be read (ENOENT)',
    );
    expect(error.problems).toHaveLength(2);
  });

  it('takes a plain message with no problems', () => {
    const error = new ConfigError('B2B_P_001_WEBHOOK_SECRET is not set');
    expect(error.message).toBe('B2B_P_001_WEBHOOK_SECRET is not set');
    expect(error.problems).toEqual([]);
  });
});

describe('formatProblem, UsageError and errorMessage', () => {
  it('omit the line when unknown, and the path when it is the whole file', () => {
    expect(formatProblem({ file: 'a.yaml', path: '', reason: 'is empty' })).toBe(
      'a.yaml: is empty',
    );
  });

  it('name usage errors and read messages of anything thrown', () => {
    expect(new UsageError('no scenario selected').name).toBe('UsageError');
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
  });
});
