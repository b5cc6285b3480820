import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PipelineLog } from '../../../harness/sut/pipelineLog.js';
import { REDACTED, Redactor } from '../../../lib/redact.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OPS_TOKEN = 'ops-token-0123456789abcdef';

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'b2b-pipeline-log-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const line = (correlationId: string, msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 30, correlation_id: correlationId, msg, ...extra });

describe('PipelineLog.excerpt', () => {
  const log = new PipelineLog({ secrets: [] });
  for (const [id, msg] of [
    ['run.B-002.created.1', 'delivery 1'],
    ['run.B-002.created.10', 'delivery 10'],
    ['run.B-002.created.1.retry', 'delivery 1, retried'],
    ['run.B-002-N1.reversed.1', 'another scenario'],
    ['run.B-002.replay.2', 'delivery 2'],
  ] as const)
    log.accept(line(id, msg));
  log.accept(JSON.stringify({ level: 30, msg: 'no correlation id' }));
  log.accept('not JSON at all');

  const messages = (prefix: string) => log.excerpt(prefix).map((entry) => entry.msg);

  it("cuts one delivery's lines: x.1 does not take x.10", () => {
    expect(messages('run.B-002.created.1')).toEqual(['delivery 1', 'delivery 1, retried']);
    expect(messages('run.B-002.created.10')).toEqual(['delivery 10']);
  });

  it("cuts a scenario's lines by its prefix, and not another scenario's that shares it", () => {
    expect(messages('run.B-002.')).toEqual([
      'delivery 1',
      'delivery 10',
      'delivery 1, retried',
      'delivery 2',
    ]);
    expect(messages('run.B-002.created')).toEqual([
      'delivery 1',
      'delivery 10',
      'delivery 1, retried',
    ]);
  });

  it('keeps a line that is not JSON as its text, in no excerpt', () => {
    expect(new PipelineLog({ secrets: [] }).accept('not JSON at all')).toEqual({
      msg: 'not JSON at all',
    });
    expect(messages('run.')).toHaveLength(5);
  });
});

describe('PipelineLog capacity', () => {
  it('keeps the newest lines in memory and counts the ones it dropped', () => {
    const log = new PipelineLog({ capacity: 3, secrets: [] });
    for (let n = 1; n <= 5; n++) log.accept(line(`run.S.step.${n}`, `line ${n}`));
    expect(log.dropped).toBe(2);
    expect(log.excerpt('run.S.').map((entry) => entry.msg)).toEqual(['line 3', 'line 4', 'line 5']);
  });

  it('ignores blank lines', () => {
    const log = new PipelineLog({ capacity: 1, secrets: [] });
    log.accept(line('a.1', 'kept'));
    expect(log.accept('   ')).toBeUndefined();
    expect(log.dropped).toBe(0);
  });
});

describe('PipelineLog file', () => {
  it('writes every line, dropped or not, with the secrets redacted', async () => {
    const file = join(scratch, 'pipeline.log.ndjson');
    const log = new PipelineLog({ capacity: 1, secrets: [SECRET, OPS_TOKEN] });
    log.writeTo(file);
    log.accept(line('a.1', 'started', { env: { B2B_P_001_WEBHOOK_SECRET: SECRET } }));
    const kept = log.accept(line('a.2', `auth Bearer ${OPS_TOKEN}`));
    await log.close();

    const written = await readFile(file, 'utf8');
    expect(written).not.toContain(SECRET);
    expect(written).not.toContain(OPS_TOKEN);
    expect(written.trim().split('\n')).toEqual([
      line('a.1', 'started', { env: { B2B_P_001_WEBHOOK_SECRET: '[redacted]' } }),
      line('a.2', 'auth Bearer [redacted]'),
    ]);
    // What stays in memory is redacted too.
    expect(kept?.msg).toBe('auth Bearer [redacted]');
  });
});

describe("PipelineLog with the run's redactor", () => {
  it('masks PII fields and secrets in JSON lines and in lines that are not JSON', async () => {
    const file = join(scratch, 'pipeline.log.ndjson');
    const redactor = new Redactor({ piiFields: ['BuyerEmail', 'buyer_email'] });
    const log = new PipelineLog({ redactor });
    redactor.addSecrets([SECRET]); // certify learns the secrets after the log exists
    log.writeTo(file);
    const json = log.accept(
      line('a.1', 'webhook event processed', {
        order: { attributes: { buyer_email: 'jane@example.com' } },
        err: { message: `auth ${SECRET}` },
      }),
    );
    const text = log.accept('fatal: body was {"BuyerEmail": "jane@example.com" and more');
    await log.close();

    expect(json).toMatchObject({
      correlation_id: 'a.1',
      order: { attributes: { buyer_email: REDACTED } },
      err: { message: `auth ${REDACTED}` },
    });
    expect(text?.msg).toBe(`fatal: body was {"BuyerEmail": "${REDACTED}" and more`);
    const written = await readFile(file, 'utf8');
    expect(written).not.toContain('jane@example.com');
    expect(written).not.toContain(SECRET);
    expect(log.excerpt('a.1')).toHaveLength(1);
  });
});

describe('PipelineLog.waitFor', () => {
  it('resolves at once with a line that has already arrived', async () => {
    const log = new PipelineLog({ secrets: [] });
    log.accept(line('a.1', 'webhook event processed'));
    expect(await log.waitFor((entry) => entry.correlation_id === 'a.1', 10)).toMatchObject({
      msg: 'webhook event processed',
    });
  });

  it('resolves when a matching line arrives later, ignoring others that arrive first', async () => {
    const log = new PipelineLog({ secrets: [] });
    const waiting = log.waitFor((entry) => entry.msg === 'the one', 30_000);
    log.accept(line('a.1', 'not this one'));
    await Promise.resolve();
    log.accept(line('a.2', 'the one'));
    expect(await waiting).toMatchObject({ correlation_id: 'a.2' });
  });

  it('resolves undefined once the deadline passed without a match', async () => {
    const log = new PipelineLog({ secrets: [] });
    const waiting = log.waitFor((entry) => entry.msg === 'never', 20);
    log.accept(line('a.1', 'something else'));
    expect(await waiting).toBeUndefined();
  });
});
