import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange, ExchangeDraft } from '../../../harness/exchanges/exchange.js';
import { ExchangeLog } from '../../../harness/exchanges/exchangeLog.js';
import { Redactor } from '../../../lib/redact.js';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'b2b-exchange-log-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function draft(n: number, answer: Partial<ExchangeDraft['answer']> = {}): ExchangeDraft {
  return {
    flow: 'webhook',
    protocol: 'http',
    from: 'partner p_001',
    to: 'pipeline',
    noun: 'delivery',
    message: 'POST /webhooks/p_001',
    message_id: `evt-${n}`,
    message_kind: 'event',
    correlation_id: `run.B-900.step.${n}`,
    faults: [],
    answer: { status: 200, outcome: 'processed', acknowledgment: 'acknowledged', ...answer },
    at: '2026-01-15T12:00:00.000Z',
    duration_ms: 1,
  };
}

async function all(log: ExchangeLog, step: string): Promise<Exchange[]> {
  const read: Exchange[] = [];
  for await (const exchange of log.read(step)) read.push(exchange);
  return read;
}

describe('ExchangeLog', () => {
  it('numbers exchanges across steps and reads each step back in order', async () => {
    const log = await ExchangeLog.create(join(scratch, 'steps.ndjson'));
    await log.append('first', draft(1));
    await log.append(
      'second',
      draft(2, {
        status: 401,
        outcome: undefined,
        error_code: 'signature_invalid',
        acknowledgment: 'refused',
      }),
    );
    await log.append('first', draft(3, { outcome: 'replayed' }));
    expect(
      (await all(log, 'first')).map((exchange) => [exchange.seq, exchange.message_id]),
    ).toEqual([
      [1, 'evt-1'],
      [3, 'evt-3'],
    ]);
    expect((await all(log, 'second')).map((exchange) => exchange.answer.error_code)).toEqual([
      'signature_invalid',
    ]);
    expect(await all(log, 'never')).toEqual([]);
    expect([log.count('first'), log.count('never'), log.total]).toEqual([2, 0, 3]);
    await log.close();
    const lines = (await readFile(log.file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as Exchange).step)).toEqual([
      'first',
      'second',
      'first',
    ]);
  });

  it('reads a large step back from the file, every exchange once, in order', async () => {
    const log = await ExchangeLog.create(join(scratch, 'large.ndjson'));
    await log.append('before', draft(0));
    for (let n = 1; n <= 5_000; n++) await log.append('storm', draft(n, { outcome: 'replayed' }));
    await log.append('after', draft(5_001));
    const storm = await all(log, 'storm');
    expect(storm).toHaveLength(5_000);
    expect(storm.every((exchange, index) => exchange.message_id === `evt-${index + 1}`)).toBe(true);
    expect((await all(log, 'after')).map((exchange) => exchange.seq)).toEqual([5_002]);
    await log.close();
  });

  it('summarizes a short step answer by answer, and a storm by counting its answers', async () => {
    const log = await ExchangeLog.create(join(scratch, 'summary.ndjson'));
    await log.append('few', draft(1));
    await log.append(
      'few',
      draft(2, {
        status: 0,
        outcome: undefined,
        error: 'connect ECONNREFUSED',
        acknowledgment: 'failed',
      }),
    );
    for (let n = 1; n <= 12; n++)
      await log.append('storm', draft(n, n === 1 ? {} : { outcome: 'replayed' }));
    expect(log.summary('few')).toBe(
      '2 deliveries: 200 processed, no answer (connect ECONNREFUSED)',
    );
    expect(log.summary('storm')).toBe('12 deliveries: 1× 200 processed, 11× 200 replayed');
    expect(log.summary('none')).toBe('no exchange');
    expect([log.noun('few'), log.noun('none')]).toEqual(['delivery', 'exchange']);
    await log.close();
  });

  it('writes every line through the redactor, secrets and PII masked', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const log = await ExchangeLog.create(
      join(scratch, 'redacted.ndjson'),
      new Redactor({ secrets: [secret], piiFields: ['BuyerEmail'] }),
    );
    await log.append('leaky', {
      ...draft(1, {
        status: 0,
        outcome: undefined,
        error: `refused with ${secret}`,
        acknowledgment: 'failed',
      }),
      facts: { BuyerEmail: 'buyer@example.com' },
    });
    await log.close();
    const text = await readFile(log.file, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('buyer@example.com');
    expect(text).toContain('[redacted]');
  });
});
