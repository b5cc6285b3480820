/**
 * The order export benchmark's load profile for k6 (https://k6.io), for a pipeline anywhere: pullers
 * page through GET /v1/orders (pages of 100, each VU following its own cursor, back to the start
 * after the last page) while writers create orders through POST /v1/orders at 200 per second.
 * bench/orderExport.ts is the same profile with autocannon, beside a bare express handler.
 *
 *   k6 run bench/k6/orderExport.ts \
 *     -e BASE_URL=http://127.0.0.1:8080 \
 *     -e READER_ID=acme-orders -e READER_SECRET=… [-e WRITER_ID=… -e WRITER_SECRET=…] \
 *     [-e PROFILE=saturation] [-e RATE=500] [-e WRITES=200] [-e DURATION=30s]
 *
 * PROFILE=fixed (the default) pulls at RATE pages per second and holds p95 to the README's aim
 * (20 ms); PROFILE=saturation runs PULLERS VUs with no pause, for requests per second. Type-checked
 * with the project (`npm run typecheck`, @types/k6); k6 runs TypeScript as it is.
 */
import { check, fail } from 'k6';
import encoding from 'k6/encoding';
import http from 'k6/http';
import type { Options } from 'k6/options';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:8080';
const PROFILE = __ENV.PROFILE ?? 'fixed';
const RATE = Number(__ENV.RATE ?? 500);
const WRITES = Number(__ENV.WRITES ?? 200);
const PULLERS = Number(__ENV.PULLERS ?? 32);
const DURATION = __ENV.DURATION ?? '30s';
const PAGE_SIZE = 100;

export const options: Options = {
  scenarios: {
    pullers:
      PROFILE === 'saturation'
        ? { executor: 'constant-vus', exec: 'pull', vus: PULLERS, duration: DURATION }
        : {
            executor: 'constant-arrival-rate',
            exec: 'pull',
            rate: RATE,
            timeUnit: '1s',
            duration: DURATION,
            preAllocatedVUs: PULLERS,
            maxVUs: PULLERS * 4,
          },
    writers: {
      executor: 'constant-arrival-rate',
      exec: 'write',
      rate: WRITES,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: 16,
      maxVUs: 64,
    },
  },
  thresholds: {
    'http_req_failed{scenario:pullers}': ['rate==0'],
    'http_req_failed{scenario:writers}': ['rate==0'],
    ...(PROFILE === 'saturation' ? {} : { 'http_req_duration{scenario:pullers}': ['p(95)<20'] }),
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

interface Tokens {
  reader: string;
  writer: string;
}

/** One token per role for the whole run (tokens live 300 s by default: keep DURATION below). */
export function setup(): Tokens {
  const reader = token(__ENV.READER_ID, __ENV.READER_SECRET, 'orders:read');
  const writer = token(
    __ENV.WRITER_ID ?? __ENV.READER_ID,
    __ENV.WRITER_SECRET ?? __ENV.READER_SECRET,
    'orders:write',
  );
  return { reader, writer };
}

function token(clientId: string | undefined, secret: string | undefined, scope: string): string {
  if (!clientId || !secret)
    fail('set READER_ID and READER_SECRET (and WRITER_* to write as another client)');
  const answer = http.post(
    `${BASE_URL}/oauth/token`,
    { grant_type: 'client_credentials', scope },
    { headers: { authorization: `Basic ${encoding.b64encode(`${clientId}:${secret}`)}` } },
  );
  if (answer.status !== 200) fail(`no ${scope} token: ${answer.status} ${String(answer.body)}`);
  return (answer.json() as { access_token: string }).access_token;
}

/** This VU's place in the feed (each VU has its own copy of the module). */
let cursor: string | undefined;

export function pull(tokens: Tokens): void {
  const query = cursor
    ? `limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`
    : `limit=${PAGE_SIZE}`;
  const answer = http.get(`${BASE_URL}/v1/orders?${query}`, {
    headers: { authorization: `Bearer ${tokens.reader}` },
    tags: { name: 'GET /v1/orders' },
  });
  const ok = check(answer, { 'page 200': (response) => response.status === 200 });
  if (!ok) {
    cursor = undefined;
    return;
  }
  const page = answer.json() as { next_cursor: string; has_more: boolean };
  cursor = page.has_more ? page.next_cursor : undefined;
}

export function write(tokens: Tokens): void {
  const orderId = `ORD-k6-${__VU}-${__ITER}-${Date.now()}`;
  const answer = http.post(
    `${BASE_URL}/v1/orders`,
    JSON.stringify({ order_id: orderId, total_amount: 1000 + (__ITER % 9000), currency: 'EUR' }),
    {
      headers: {
        authorization: `Bearer ${tokens.writer}`,
        'content-type': 'application/json',
        'idempotency-key': orderId,
      },
      tags: { name: 'POST /v1/orders' },
    },
  );
  check(answer, { 'order 201': (response) => response.status === 201 });
}
