import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../../contracts/signatures/webhookSecret.js';
import { DEFAULT_INBOX_POLICY } from '../../../pipeline/inbox/recordDeliveries.js';
import {
  opsView,
  orderEvent,
  startPipelineUnderTest,
  uniqueId,
  WEBHOOK_PARTNER,
  xSignatureHeaders,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import { ENGINES } from '../../support/stores.js';

const BAD_REQUESTS = 10_000;
const GENUINE_EVERY = 200; // 50 genuine deliveries among the flood
const CONCURRENCY = 64;

/**
 * A flood of requests nobody authenticated (a wrong secret, 10,000 of them) with genuine
 * deliveries in between: the genuine ones are processed and audited as usual; the flood costs at
 * most the audit bound in audit rows, one alert group with its count, and a counter of what was
 * not audited row by row.
 */
describe.each(ENGINES)('a flood of unauthenticated requests on $name', (engine) => {
  let sut: PipelineUnderTest;

  beforeAll(async () => {
    sut = await startPipelineUnderTest(engine);
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('keeps genuine deliveries whole, audits the flood within its bound and raises one alert', async () => {
    const wrongSecret = generateWebhookSecret();
    const genuine: { correlationId: string; eventId: string }[] = [];
    const jobs = Array.from({ length: BAD_REQUESTS + BAD_REQUESTS / GENUINE_EVERY }, (_, index) => {
      const isGenuine = index % (GENUINE_EVERY + 1) === GENUINE_EVERY;
      const event = orderEvent({
        eventId: uniqueId('evt'),
        orderId: uniqueId('ORD'),
        lastModified: '2026-01-15T11:00:00.000Z',
      });
      const body = JSON.stringify(event);
      const correlationId = uniqueId('corr');
      if (isGenuine) genuine.push({ correlationId, eventId: event.event_id });
      return { isGenuine, body, correlationId, secret: isGenuine ? sut.secret : wrongSecret };
    });

    const statuses = new Map<number, number>();
    const genuineStatuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++] as (typeof jobs)[number];
          const answer = await sut.post(`/webhooks/${WEBHOOK_PARTNER}`, job.body, {
            ...xSignatureHeaders(job.secret, sut.nowS(), job.body),
            'x-correlation-id': job.correlationId,
          });
          if (job.isGenuine) genuineStatuses.push(answer.status);
          else statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      }),
    );

    // Every bad request got its 401; every genuine one its 200, its audit row and its inbox record.
    expect(Object.fromEntries(statuses)).toEqual({ 401: BAD_REQUESTS });
    expect(genuineStatuses).toEqual(genuine.map(() => 200));
    const ops = opsView(sut);
    for (const { correlationId, eventId } of genuine) {
      expect(await ops.deliveries(correlationId)).toEqual([
        expect.objectContaining({ outcome: 'processed', http_status: 200 }),
      ]);
      expect(await ops.inbox(eventId)).toHaveLength(1);
    }

    // The flood's audit rows stay at the bound; the rest are counted, in the store and /metrics.
    const bound = DEFAULT_INBOX_POLICY.unauthenticatedAuditsPerWindow;
    const [refusedRows] = await sut.store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE outcome = 'refused'",
    );
    expect(refusedRows?.n).toBe(bound);
    const budget = await sut.get('/ops/audit-budget');
    expect(budget.json).toMatchObject({
      audited_per_window: bound,
      items: [{ refusals: BAD_REQUESTS, audited: bound, suppressed: BAD_REQUESTS - bound }],
    });
    const metrics = (await sut.get('/metrics')).text;
    expect(metrics).toContain(
      `b2b_audit_suppressed_total{partner_id="${WEBHOOK_PARTNER}"} ${BAD_REQUESTS - bound}`,
    );

    // One alert, with the count and the first and last time, like Alertmanager's groups.
    const alerts = await sut.get(`/ops/alerts?partner_id=${WEBHOOK_PARTNER}`);
    const items = (alerts.json as { items: Record<string, unknown>[] }).items;
    expect(items).toEqual([
      expect.objectContaining({
        kind: 'webhook.signature_invalid',
        occurrences: BAD_REQUESTS,
        raised_at: expect.any(String),
        last_raised_at: expect.any(String),
      }),
    ]);
  }, 180_000);
});
