import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('createLogger', () => {
  it('writes JSON lines with partner and correlation ids as top-level fields', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'pipeline', level: 'info', destination });
    logger.info({ partner_id: 'p_001', correlation_id: 'run.1' }, 'delivery accepted');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({
      name: 'pipeline',
      msg: 'delivery accepted',
      partner_id: 'p_001',
      correlation_id: 'run.1',
    });
    expect(typeof record.time).toBe('string');
  });

  it('never writes secrets or signature values', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'pipeline', level: 'info', destination });
    logger.info(
      {
        secret: 'whsec_abc',
        req: { headers: { 'x-signature': 't=1,v1=ff', authorization: 'Bearer x', accept: '*/*' } },
        headers: { 'webhook-signature': 'v1,abc' },
        partner: { token: 'tok_live_123456', name: 'Acme' },
        signature: 'v1,xyz',
      },
      'received',
    );
    const text = lines.join('');
    for (const secret of [
      'whsec_abc',
      't=1,v1=ff',
      'Bearer x',
      'v1,abc',
      'tok_live_123456',
      'v1,xyz',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
    expect(text).toContain('Acme');
    expect(text).toContain('*/*');
  });

  it('drops records below its level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'pipeline', level: 'warn', destination });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['loud']);
  });
});
