import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyStandardWebhooks } from '../../../contracts/signatures/standardWebhooks.js';
import { verifyXSignature } from '../../../contracts/signatures/xSignature.js';
import { FakeClock } from '../../../lib/clock.js';
import { REDACTED } from '../../../lib/redact.js';
import { seededRandom } from '../../../lib/seededRandom.js';
import { Journal } from '../../../simulators/journal.js';
import type { PartnerEvent } from '../../../simulators/webhook/partnerEvent.js';
import { WebhookSender } from '../../../simulators/webhook/webhookSender.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const START_MS = 1_700_000_000_000;
const NOW_S = START_MS / 1000;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  eventId: string;
}

interface Inbox {
  url: string;
  requests: Received[];
  /** Arrivals and answers, in the order the server saw them. */
  log: string[];
  close(): Promise<void>;
}

/**
 * A tiny receiver on 127.0.0.1 that records each request and answers 200 JSON. With `holdUntil`,
 * it holds the requests of an event until that many have arrived, then answers them all: the
 * deliveries of one wave must therefore be in flight together.
 */
async function startInbox(options: { holdUntil?: number } = {}): Promise<Inbox> {
  const requests: Received[] = [];
  const log: string[] = [];
  const held = new Map<string, (() => void)[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const eventId = (JSON.parse(body.toString('utf8')) as { event_id: string }).event_id;
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        eventId,
      });
      log.push(`arrive ${eventId}`);
      const answer = () => {
        log.push(`answer ${eventId}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'processed', event_id: eventId, n: requests.length }));
      };
      if (!options.holdUntil) return answer();
      const waiting = held.get(eventId) ?? [];
      waiting.push(answer);
      held.set(eventId, waiting);
      if (waiting.length === options.holdUntil) for (const release of waiting) release();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/p_001`,
    requests,
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function event(n: number): PartnerEvent {
  return {
    eventId: `evt_${n}`,
    type: 'order.created',
    occurredAt: '2023-11-14T22:13:20.000Z',
    order: { OrderNumber: `A-${n}`, TotalGross: 1000 + n, BuyerEmail: `buyer${n}@example.com` },
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { holdUntil?: number; closed?: boolean } = {}) {
  const inbox = await startInbox(options);
  if (options.closed) await inbox.close();
  else cleanups.push(() => inbox.close());
  const journal = new Journal({ piiFields: ['BuyerEmail'] });
  const sender = new WebhookSender({
    runId: 'run-1',
    partnerId: 'p_001',
    target: inbox.url,
    secret: SECRET,
    windowS: 300,
    clock: new FakeClock(START_MS),
    random: seededRandom(1),
    journal,
    timeoutMs: 10_000,
  });
  cleanups.push(() => sender.close());
  return { inbox, journal, sender };
}

function headersOf(received: Received): Record<string, string | string[] | undefined> {
  return received.headers;
}

describe('WebhookSender', () => {
  it('posts each event signed with X-Signature that the contract verifier accepts', async () => {
    const { inbox, sender } = await setup();
    const records = await sender.send({
      events: [event(1), event(2)],
      correlationPrefix: 'run-1.s1.1',
    });

    expect(records.map((record) => record.status)).toEqual([200, 200]);
    expect(records.map((record) => record.body)).toEqual([
      { status: 'processed', event_id: 'evt_1', n: 1 },
      { status: 'processed', event_id: 'evt_2', n: 2 },
    ]);
    expect(inbox.requests.map((request) => [request.method, request.url])).toEqual([
      ['POST', '/webhooks/p_001'],
      ['POST', '/webhooks/p_001'],
    ]);
    for (const request of inbox.requests) {
      expect(request.headers['content-type']).toBe('application/json');
      const check = verifyXSignature({
        headers: headersOf(request),
        body: request.body,
        secrets: [SECRET],
        nowS: NOW_S,
        toleranceS: 300,
      });
      expect(check).toEqual({ ok: true, timestampS: NOW_S });
    }
  });

  it('signs with Standard Webhooks on request, with the event id as webhook-id', async () => {
    const { inbox, sender } = await setup();
    await sender.send({
      events: [event(1)],
      scheme: 'standard-webhooks',
      correlationPrefix: 'run-1.s1.1',
    });
    const [request] = inbox.requests;
    if (!request) throw new Error('no request arrived');
    expect(request.headers['x-signature']).toBeUndefined();
    expect(
      verifyStandardWebhooks({
        headers: headersOf(request),
        body: request.body,
        secrets: [SECRET],
        nowS: NOW_S,
        toleranceS: 300,
      }),
    ).toEqual({ ok: true, timestampS: NOW_S, messageId: 'evt_1' });
  });

  it('numbers correlation ids <prefix>.<n> across sends and sends them as x-correlation-id', async () => {
    const { inbox, sender } = await setup();
    const first = await sender.send({
      events: [event(1), event(2)],
      correlationPrefix: 'run-1.s1.1',
    });
    const second = await sender.send({ events: [event(3)], correlationPrefix: 'run-1.s1.2' });
    const ids = [...first, ...second].map((record) => record.correlationId);
    expect(ids).toEqual(['run-1.s1.1.1', 'run-1.s1.1.2', 'run-1.s1.2.3']);
    expect(inbox.requests.map((request) => request.headers['x-correlation-id'])).toEqual(ids);
  });

  it('lists the faults shaping each record, and the fault reaches the wire', async () => {
    const { inbox, sender } = await setup();
    const records = await sender.send({
      events: [event(1)],
      faults: [{ name: 'duplicate' }, { name: 'tamperBody' }],
      correlationPrefix: 'run-1.s1.1',
    });
    expect(records.map((record) => [record.eventId, record.faults])).toEqual([
      ['evt_1', ['tamperBody']],
      ['evt_1', ['duplicate', 'tamperBody']],
    ]);
    expect(records.map((record) => record.entry.faults)).toEqual([
      ['tamperBody'],
      ['duplicate', 'tamperBody'],
    ]);
    for (const request of inbox.requests) {
      const check = verifyXSignature({
        headers: headersOf(request),
        body: request.body,
        secrets: [SECRET],
        nowS: NOW_S,
        toleranceS: 300,
      });
      expect(check).toMatchObject({ ok: false, failure: 'mismatch' });
    }
  });

  it('journals each exchange, redacted, at the simulated clock time', async () => {
    const { inbox, journal, sender } = await setup();
    const [record] = await sender.send({ events: [event(1)], correlationPrefix: 'run-1.s1.1' });
    expect(journal.entries()).toHaveLength(1);
    expect(journal.entries()[0]).toBe(record?.entry);
    expect(record?.entry).toMatchObject({
      at: '2023-11-14T22:13:20.000Z',
      simulator: 'webhook.sender',
      run_id: 'run-1',
      partner_id: 'p_001',
      correlation_id: 'run-1.s1.1.1',
      event_id: 'evt_1',
      request: { method: 'POST', url: inbox.url },
      response: { status: 200 },
    });
    // The receiver got the real signature and e-mail; the journal holds neither.
    expect(inbox.requests[0]?.headers['x-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(inbox.requests[0]?.body.toString('utf8')).toContain('buyer1@example.com');
    expect(record?.entry.request.headers['x-signature']).toBe(REDACTED);
    expect(record?.entry.request.body).not.toContain('buyer1@example.com');
  });

  it('reports a refused connection as status 0 with the error journaled, without throwing', async () => {
    const { sender } = await setup({ closed: true });
    const records = await sender.send({ events: [event(1)], correlationPrefix: 'run-1.s1.1' });
    expect(records).toHaveLength(1);
    expect(records[0]?.status).toBe(0);
    expect(records[0]?.body).toBeUndefined();
    expect(records[0]?.entry.error).toEqual(expect.any(String));
    expect(records[0]?.entry.error?.length).toBeGreaterThan(0);
    expect(records[0]?.entry.response).toBeUndefined();
  });

  it('sends the deliveries of a wave together, and a wave only after the previous one is answered', async () => {
    const { inbox, sender } = await setup({ holdUntil: 3 });
    const records = await sender.send({
      events: [event(1), event(2)],
      faults: [{ name: 'burst', count: 3 }],
      correlationPrefix: 'run-1.s1.1',
    });
    expect(records.map((record) => record.eventId)).toEqual([
      'evt_1',
      'evt_1',
      'evt_1',
      'evt_2',
      'evt_2',
      'evt_2',
    ]);
    expect(records.every((record) => record.status === 200)).toBe(true);
    // All three evt_1 arrived before any was answered (held), and evt_2 came only after.
    expect(inbox.log).toEqual([
      'arrive evt_1',
      'arrive evt_1',
      'arrive evt_1',
      'answer evt_1',
      'answer evt_1',
      'answer evt_1',
      'arrive evt_2',
      'arrive evt_2',
      'arrive evt_2',
      'answer evt_2',
      'answer evt_2',
      'answer evt_2',
    ]);
  }, 15_000);

  it('keeps wave order under reorder', async () => {
    const { inbox, sender } = await setup();
    await sender.send({
      events: [event(1), event(2), event(3)],
      faults: [{ name: 'reorder', order: [2, 0, 1] }],
      correlationPrefix: 'run-1.s1.1',
    });
    expect(inbox.requests.map((request) => request.eventId)).toEqual(['evt_3', 'evt_1', 'evt_2']);
  });
});
