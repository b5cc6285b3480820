import { describe, expect, it } from 'vitest';
import { createLogger, withRedactor } from '../../lib/logger.js';
import { REDACTED, Redactor } from '../../lib/redact.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

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

  it('applies its redactor to every record and message: PII fields, secrets, interpolations', () => {
    const { lines, destination } = capture();
    const redactor = new Redactor({ piiFields: ['BuyerEmail'], secrets: [SECRET] });
    const logger = createLogger({ name: 'pipeline', level: 'info', destination, redactor });
    logger.info({ order: { BuyerEmail: 'jane@example.com', OrderNumber: 'A-1' } }, 'received');
    logger.warn({ reason: `body BuyerEmail=jane@example.com` }, `using ${SECRET}`);
    logger.info('payload %s, order %j', '{"BuyerEmail":"jane@example.com"}', {
      BuyerEmail: 'jane@example.com',
    });
    const text = lines.join('');
    expect(text).not.toContain('jane@example.com');
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      order: { BuyerEmail: REDACTED, OrderNumber: 'A-1' },
    });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({
      reason: `body BuyerEmail=${REDACTED}`,
      msg: `using ${REDACTED}`,
    });
  });

  it('lends its redactor to a child made with withRedactor, same destination and level', () => {
    const { lines, destination } = capture();
    const parent = createLogger({ name: 'pipeline', level: 'warn', destination });
    const logger = withRedactor(parent, new Redactor({ piiFields: ['buyer_email'] }));
    logger.info({ buyer_email: 'a@example.com' }, 'below the level');
    logger.warn({ partner_id: 'p_001', buyer_email: 'a@example.com' }, 'buyer_email=a@example.com');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      name: 'pipeline',
      partner_id: 'p_001',
      buyer_email: REDACTED,
      msg: `buyer_email=${REDACTED}`,
    });
  });
});

describe('createLogger: errors', () => {
  const MARKER = 'pii-Zq7x41@example.net';

  /** A failed statement as PGlite and pg report it: the whole batch's payloads in `params`. */
  function storeError() {
    return Object.assign(
      new Error(`invalid input syntax for type timestamp with time zone: "${MARKER}"`),
      {
        name: 'error',
        code: '22007',
        severity: 'ERROR',
        detail: `Failing row contains (${MARKER}).`,
        hint: null,
        where: `unnamed portal parameter $1 = '${MARKER}'`,
        internalQuery: `select '${MARKER}'`,
        query: 'insert into webhook_inbox select * from jsonb_to_recordset($1::jsonb)',
        params: [JSON.stringify([{ payload: JSON.stringify({ BuyerEmail: MARKER }) }])],
        queryOptions: { rowMode: 'object' },
      },
    );
  }

  it('keeps name, message, code and stack frames of a store error, and nothing it carried', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'pipeline', level: 'info', destination });
    logger.error({ correlation_id: 'run.1', err: storeError() }, 'request failed');
    logger.error(storeError());
    for (const line of lines) {
      expect(line).not.toContain(MARKER);
      const record = JSON.parse(line) as { err: Record<string, unknown>; msg: string };
      expect(Object.keys(record.err).sort()).toEqual(['code', 'message', 'name', 'stack']);
      expect(record.err).toMatchObject({
        name: 'error',
        code: '22007',
        message: `invalid input syntax for type timestamp with time zone: "${REDACTED}"`,
      });
      expect(record.err.stack).toMatch(/\n\s+at /);
    }
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ msg: 'request failed' });
    // An error logged on its own lends the line its message: the redacted one.
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({
      msg: `invalid input syntax for type timestamp with time zone: "${REDACTED}"`,
    });
  });

  it('cuts an error that is not an Error instance, or sits under `error`, the same way', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'pipeline', level: 'info', destination });
    const { message, code, query, params } = storeError();
    logger.error({ err: { message, code, query, params } }, 'store failed');
    logger.error({ error: storeError() }, 'store failed');
    expect(lines.join('')).not.toContain(MARKER);
    expect(lines.join('')).not.toMatch(/"(query|params|detail|where|internalQuery)"/);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ err: { name: 'Error', code: '22007' } });
  });
});
