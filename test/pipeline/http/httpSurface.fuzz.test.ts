import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStandardWebhooks } from '../../../contracts/signatures/standardWebhooks.js';
import { signXSignature } from '../../../contracts/signatures/xSignature.js';
import {
  asErrorBody,
  startPipelineUnderTest,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import {
  deeplyNested,
  encodeForWire,
  headerValue,
  hostileJson,
  hostileQuery,
  hostileSegment,
  hostileString,
  sendRaw,
  type RawAnswer,
} from '../../support/hostileInput.js';
import { ENGINES } from '../../support/stores.js';

/**
 * The whole HTTP surface of the pipeline under fire: arbitrary paths, queries, headers and bodies,
 * signed and unsigned. Whatever arrives, the pipeline answers on purpose (2xx, or 4xx with the
 * error body), never 5xx, never a dropped connection, and every delivery it answered is in the
 * audit. The run count is fixed; a failure prints fast-check's seed and path to replay it with
 * FUZZ_SEED=<seed>.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

type Signing = 'x-signature' | 'standard-webhooks' | 'none' | 'wrong-secret';

interface FuzzRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signing: Signing;
  correlationId: string | undefined;
}

const validOrder = {
  OrderNumber: 'ORD-fuzz-1',
  TotalGross: 1299,
  CurrencyCode: 'EUR',
  LastModified: '2026-01-15T11:59:00Z',
  BuyerEmail: 'buyer@example.com',
};

/** An event that is right except where the fuzzer put something hostile. */
const eventBody = fc
  .record({
    event_id: fc.oneof(fc.uuid(), hostileString),
    type: fc.oneof(
      fc.constantFrom('order.created', 'order.updated', 'order.cancelled'),
      hostileString,
    ),
    occurred_at: fc.oneof(
      fc.constant('2026-01-15T11:59:00Z'),
      fc.constantFrom('2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z'),
      hostileString,
    ),
    orderField: fc.constantFrom(...Object.keys(validOrder), 'Extra'),
    orderValue: fc.oneof(
      hostileJson,
      fc.constantFrom(0, -5, 1e300, 'XTS', 'ZZZ', '2999-01-01T00:00:00Z', '   '),
    ),
  })
  .map(({ event_id, type, occurred_at, orderField, orderValue }) =>
    JSON.stringify({
      event_id,
      type,
      occurred_at,
      data: { order: { ...validOrder, [orderField]: orderValue } },
    }),
  );

/** A valid envelope around an order field nested thousands of levels deep. */
const deepEventBody = fc
  .tuple(fc.uuid(), deeplyNested)
  .map(
    ([id, nested]) =>
      `{"event_id":"${id}","type":"order.created","occurred_at":"2026-01-15T11:59:00Z","data":{"order":{"OrderNumber":"o-${id}","TotalGross":1,"CurrencyCode":"EUR","LastModified":"2026-01-15T11:59:00Z","Extra":${nested}}}}`,
  );

const body = fc.oneof(
  { weight: 6, arbitrary: eventBody.map((text) => Buffer.from(text)) },
  { weight: 2, arbitrary: deepEventBody.map((text) => Buffer.from(text)) },
  {
    weight: 1,
    arbitrary: hostileJson.map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const target = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(hostileSegment, hostileQuery)
      .map(([segment, query]) => `/webhooks/${segment}${query}`),
  },
  { weight: 2, arbitrary: hostileQuery.map((query) => `/webhooks/p_001${query}`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          '/ops/inbox',
          '/ops/deliveries',
          '/ops/alerts',
          '/ops/audit-budget',
          '/ops/partners',
          '/healthz',
          '/readyz',
          '/metrics',
        ),
        hostileQuery,
      )
      .map(([path, query]) => `${path}${query}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('/ops/inbox', '/ops/orders'), hostileSegment, hostileSegment)
      .map(([path, a, b]) => `${path}/${a}/${b}`),
  },
  { weight: 1, arbitrary: hostileQuery.map((query) => `/oauth/token${query}`) },
  {
    weight: 1,
    arbitrary: fc
      .array(hostileSegment, { maxLength: 4 })
      .map((segments) => `/${segments.join('/')}`),
  },
);

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      '*/*',
      'application/',
      ';;;',
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

let correlationCounter = 0;

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constant('POST') },
      { weight: 3, arbitrary: fc.constant('GET') },
      { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
    ),
    target,
    body,
    contentType,
    signing: fc.constantFrom<Signing>(
      'x-signature',
      'x-signature',
      'standard-webhooks',
      'none',
      'wrong-secret',
    ),
    encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown'), {
      freq: 8,
    }),
    correlation: fc.option(headerValue, { freq: 4 }),
    extra: fc.dictionary(
      fc.constantFrom(
        'x-signature',
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
        'accept',
        'x-forwarded-for',
      ),
      headerValue,
      { maxKeys: 2 },
    ),
  })
  .map(({ method, target, body, contentType, signing, encoding, correlation, extra }) => {
    correlationCounter += 1;
    // Mostly a fresh well-formed id (so the audit row can be found), sometimes a hostile one.
    const correlationId =
      correlation === null ? `fuzz-${process.pid}-${correlationCounter}` : undefined;
    const headers: Record<string, string> = { 'content-type': contentType, ...extra };
    headers['x-correlation-id'] = correlation ?? (correlationId as string);
    if (encoding) headers['content-encoding'] = encoding;
    return {
      method,
      target,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
      signing,
      correlationId,
    };
  });

function sign(sut: PipelineUnderTest, request: FuzzRequest): Record<string, string> {
  const text = request.body?.toString('utf8') ?? '';
  const secret =
    request.signing === 'wrong-secret'
      ? 'whsec_' + Buffer.alloc(32, 7).toString('base64')
      : sut.secret;
  if (request.signing === 'none') return request.headers;
  if (request.signing === 'standard-webhooks') {
    let id = 'msg_fuzz';
    try {
      const parsed = JSON.parse(text) as { event_id?: unknown };
      if (typeof parsed.event_id === 'string' && /^[\x21-\x7e]{1,200}$/.test(parsed.event_id))
        id = parsed.event_id;
    } catch {
      // not JSON: any id will do
    }
    return {
      ...request.headers,
      'webhook-id': id,
      'webhook-timestamp': String(sut.nowS()),
      'webhook-signature': signStandardWebhooks(secret, id, sut.nowS(), text),
    };
  }
  // Signed over the exact bytes sent, the way a partner would (bytes that are not UTF-8 included).
  return {
    ...request.headers,
    'x-signature': signXSignature(secret, sut.nowS(), request.body ?? Buffer.alloc(0)),
  };
}

function isDelivery(request: FuzzRequest, answer: RawAnswer): boolean {
  if (request.method !== 'POST' || !request.target.startsWith('/webhooks/')) return false;
  if (answer.status === 404 && answer.body.includes('"route_not_found"')) return false;
  return true;
}

describe.each(ENGINES)('the pipeline HTTP surface under fuzzing on $name', (engine) => {
  let sut: PipelineUnderTest;

  beforeAll(async () => {
    // Every delivery must be audited here, so the per-source audit bound is lifted.
    sut = await startPipelineUnderTest(engine, {
      maxBodyBytes: 64 * 1024,
      inboxPolicy: {
        alertGroupWindowS: 300,
        unauthenticatedAuditsPerWindow: 1_000_000,
        auditBudgetWindowS: 60,
      },
    });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('answers every request on purpose: no 5xx, error bodies by contract, every answered delivery audited', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const headers = request.target.startsWith('/webhooks/')
          ? sign(sut, request)
          : request.headers;
        const answer = await sendRaw(
          sut.url,
          request.method,
          request.target,
          headers,
          request.body,
        );
        const where = `${request.method} ${request.target.slice(0, 120)} → ${answer.status} ${answer.body.slice(0, 300)}`;
        // 431: Node's HTTP parser refuses oversized headers before any pipeline code runs.
        if (answer.status === 431) return expect(answer.body, where).toBe('');
        expect(answer.status, where).toBeGreaterThanOrEqual(200);
        expect(answer.status, where).toBeLessThan(500);
        if (answer.status >= 400 && request.method !== 'HEAD') asErrorBody(JSON.parse(answer.body));
        if (!isDelivery(request, answer)) return;
        const correlationId = answer.headers['x-correlation-id'];
        expect(typeof correlationId, where).toBe('string');
        const audit = await sut.get(
          `/ops/deliveries?correlation_id=${encodeForWire(correlationId as string)}`,
        );
        expect(audit.status, where).toBe(200);
        const rows = (audit.json as { items: { http_status: number }[] }).items;
        expect(
          rows.map((row) => row.http_status),
          where,
        ).toEqual([answer.status]);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect((await sut.get('/healthz')).status).toBe(200);
  }, 240_000);
});
