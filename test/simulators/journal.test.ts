import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../../lib/redact.js';
import { Journal, type JournalEntry, type JournalRecord } from '../../simulators/journal.js';

function entry(n: number, overrides: Partial<JournalRecord> = {}): JournalRecord {
  return {
    at: '2026-11-23T14:44:00.000Z',
    simulator: 'webhook.sender',
    run_id: 'run-1',
    partner_id: 'p_001',
    correlation_id: `run-1.s1.${n}`,
    event_id: `evt_${n}`,
    faults: [],
    request: {
      method: 'POST',
      url: 'http://127.0.0.1/webhooks/p_001',
      headers: { 'content-type': 'application/json' },
      body: `{"n":${n}}`,
    },
    response: { status: 200, headers: {}, body: '{"status":"processed"}' },
    duration_ms: 1,
    ...overrides,
  };
}

describe('Journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2b-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps only the newest entries in memory but counts every one', () => {
    const journal = new Journal({ capacity: 3 });
    for (let n = 1; n <= 5; n++) journal.record(entry(n));
    expect(journal.entries().map((stored) => stored.seq)).toEqual([3, 4, 5]);
    expect(journal.entries().map((stored) => stored.event_id)).toEqual(['evt_3', 'evt_4', 'evt_5']);
    expect(journal.recorded).toBe(5);
  });

  it('streams every entry to the sink as NDJSON, beyond the memory capacity', async () => {
    const file = join(dir, 'journal.ndjson');
    const journal = new Journal({ capacity: 2 });
    await journal.attachSink(file);
    for (let n = 1; n <= 7; n++) journal.record(entry(n));
    await journal.detachSink();
    journal.record(entry(8)); // after detaching: memory only

    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((line) => JSON.parse(line) as JournalEntry);
    expect(parsed.map((stored) => stored.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(parsed[0]).toMatchObject({ correlation_id: 'run-1.s1.1', event_id: 'evt_1' });
    expect(journal.entries()).toHaveLength(2);
    expect(journal.recorded).toBe(8);
  });

  it('redacts signature and credential headers, in memory and in the sink', async () => {
    const file = join(dir, 'journal.ndjson');
    const journal = new Journal();
    await journal.attachSink(file);
    const stored = journal.record(
      entry(1, {
        request: {
          method: 'POST',
          url: 'http://127.0.0.1/webhooks/p_001',
          headers: {
            'x-signature': 't=1,v1=deadbeef',
            'webhook-signature': 'v1,c2lnbmF0dXJl',
            authorization: 'Bearer s3cr3t-token',
            'webhook-id': 'evt_1',
          },
          body: '{}',
        },
        response: { status: 200, headers: { 'set-cookie': 'session=abc123' }, body: '' },
      }),
    );
    await journal.detachSink();
    expect(stored.request.headers).toEqual({
      'x-signature': REDACTED,
      'webhook-signature': REDACTED,
      authorization: REDACTED,
      'webhook-id': 'evt_1',
    });
    expect(stored.response?.headers).toEqual({ 'set-cookie': REDACTED });
    const written = await readFile(file, 'utf8');
    for (const secret of ['deadbeef', 'c2lnbmF0dXJl', 's3cr3t-token', 'abc123']) {
      expect(written).not.toContain(secret);
    }
  });

  it("redacts the partner's PII fields in JSON, broken JSON and form bodies", () => {
    const journal = new Journal({ piiFields: ['BuyerEmail', 'buyer_email'] });
    const stored = journal.record(
      entry(1, {
        request: {
          method: 'POST',
          url: 'http://127.0.0.1/webhooks/p_001?buyer_email=jane@example.com',
          headers: {},
          body: '{"data":{"order":{"OrderNumber":"A-1","BuyerEmail":"jane@example.com"}}}',
        },
        response: { status: 400, headers: {}, body: '{"BuyerEmail": "jane@example.com"' },
      }),
    );
    expect(JSON.parse(stored.request.body)).toEqual({
      data: { order: { OrderNumber: 'A-1', BuyerEmail: REDACTED } },
    });
    expect(stored.request.url).toBe(`http://127.0.0.1/webhooks/p_001?buyer_email=${REDACTED}`);
    expect(stored.response?.body).toBe(`{"BuyerEmail": "${REDACTED}"`);
    const form = journal.record(
      entry(2, {
        request: { method: 'POST', url: '/', headers: {}, body: 'BuyerEmail=jane%40example.com' },
      }),
    );
    expect(form.request.body).toBe(`BuyerEmail=${REDACTED}`);
  });

  it('keeps text without PII as sent, and a body that is not text as its size and sha256', () => {
    const journal = new Journal();
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]);
    const stored = journal.record(
      entry(1, {
        request: { method: 'POST', url: '/', headers: {}, body: binary },
        response: { status: 400, headers: {}, body: 'not json: jane@example.com' },
      }),
    );
    expect(stored.request.body).toBe(
      `[binary body: 6 bytes, sha256 ${createHash('sha256').update(binary).digest('hex')}]`,
    );
    expect(stored.response?.body).toBe('not json: jane@example.com');
  });

  it("masks the run's secrets wherever they appear, with the run's redactor", async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const redactor = new Redactor({ piiFields: ['BuyerEmail'] });
    const journal = new Journal({ redactor });
    redactor.addSecrets([secret]); // learnt after the journal was made: still applies
    const file = join(dir, 'journal.ndjson');
    await journal.attachSink(file);
    const stored = journal.record(
      entry(1, {
        request: {
          method: 'POST',
          url: '/',
          headers: { 'x-debug': secret },
          body: `{"note":"signed with ${secret}"}`,
        },
        response: undefined,
        error: `refused ${secret}`,
      }),
    );
    await journal.detachSink();
    expect(stored.request.headers['x-debug']).toBe(REDACTED);
    expect(stored.request.body).toBe(`{"note":"signed with ${REDACTED}"}`);
    expect(stored.error).toBe(`refused ${REDACTED}`);
    expect(await readFile(file, 'utf8')).not.toContain(secret);
  });

  it('cuts long bodies and says where', () => {
    const journal = new Journal({ maxBodyChars: 10 });
    const stored = journal.record(
      entry(1, {
        request: { method: 'POST', url: '/', headers: {}, body: 'abcdefghijklmnop' },
        response: { status: 200, headers: {}, body: 'short' },
      }),
    );
    expect(stored.request.body).toBe('abcdefghij…[cut at 10 chars]');
    expect(stored.response?.body).toBe('short');
  });

  it('records a failed exchange without a response', () => {
    const journal = new Journal();
    const stored = journal.record(entry(1, { response: undefined, error: 'connect ECONNREFUSED' }));
    expect(stored.response).toBeUndefined();
    expect(stored.error).toBe('connect ECONNREFUSED');
  });
});
