import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../lib/logger.js';
import { createPipeline } from '../../../pipeline/app.js';
import {
  loadTestProfiles,
  orderEvent,
  startPipelineUnderTest,
  uniqueId,
  WEBHOOK_PARTNER,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore } from '../../support/stores.js';

/** The value of one sample line of Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(ENGINES)('health and metrics on $name', (engine) => {
  let sut: PipelineUnderTest;

  beforeAll(async () => {
    sut = await startPipelineUnderTest(engine);
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('/healthz answers 200', async () => {
    expect(await sut.get('/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('/readyz answers 200 with every check ok on a migrated store', async () => {
    expect(await sut.get('/readyz')).toMatchObject({
      status: 200,
      json: { status: 'ready', engine: engine.name, checks: { store: 'ok', migrations: 'ok' } },
    });
  });

  it('/metrics counts deliveries per partner, outcome and code, and the events held in the inbox', async () => {
    const before = await sut.get('/metrics');
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toMatch(/^text\/plain/);
    const processedSeries = `b2b_webhook_deliveries_total{partner_id="${WEBHOOK_PARTNER}",outcome="processed",code=""}`;
    expect(sample(before.text, processedSeries)).toBeUndefined();

    const events = Array.from({ length: 3 }, (_, index) =>
      orderEvent({
        eventId: uniqueId('evt'),
        orderId: uniqueId('ORD'),
        total: index + 1,
        lastModified: '2026-01-15T10:00:00.000Z',
      }),
    );
    for (const event of events) expect((await sut.deliver(event)).status).toBe(200);
    expect((await sut.deliver(events[0] as (typeof events)[number])).json).toMatchObject({
      status: 'replayed',
    });
    const first = events[0] as (typeof events)[number];
    const conflicting = { ...first, data: { order: { ...first.data.order, TotalGross: 77 } } };
    expect((await sut.deliver(conflicting)).status).toBe(409);
    const body = JSON.stringify(first);
    expect(
      (await sut.post(`/webhooks/${WEBHOOK_PARTNER}`, body, { 'content-type': 'application/json' }))
        .status,
    ).toBe(401);
    for (const stranger of ['p_999', 'p_998', 'evil"label']) {
      expect(
        (
          await sut.post(`/webhooks/${encodeURIComponent(stranger)}`, body, {
            'content-type': 'application/json',
          })
        ).status,
      ).toBe(404);
    }

    const text = (await sut.get('/metrics')).text;
    expect(sample(text, processedSeries)).toBe(3);
    expect(
      sample(text, `b2b_webhook_deliveries_total{partner_id="p_001",outcome="replayed",code=""}`),
    ).toBe(1);
    expect(
      sample(
        text,
        `b2b_webhook_deliveries_total{partner_id="p_001",outcome="conflict",code="event_conflict"}`,
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        `b2b_webhook_deliveries_total{partner_id="p_001",outcome="refused",code="signature_missing"}`,
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        `b2b_webhook_deliveries_total{partner_id="unknown",outcome="refused",code="partner_not_found"}`,
      ),
    ).toBe(3);
    expect(text).not.toContain('p_999');
    expect(text).not.toContain('evil');
    expect(sample(text, `b2b_webhook_inbox_events{partner_id="p_001"}`)).toBe(3);
    expect(sample(text, `b2b_alerts_total{partner_id="p_001",kind="webhook.event_conflict"}`)).toBe(
      1,
    );
    expect(sample(text, 'b2b_inbox_batch_size_count')).toBeGreaterThanOrEqual(9);
  });

  it('/readyz answers 503 while a known migration is missing from the store', async () => {
    const [row] = await sut.store.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations WHERE version = 1',
    );
    expect(row).toBeDefined();
    await sut.store.query('DELETE FROM schema_migrations WHERE version = 1');
    try {
      expect(await sut.get('/readyz')).toMatchObject({
        status: 503,
        json: { status: 'not_ready', checks: { store: 'ok', migrations: 'pending' } },
      });
    } finally {
      await sut.store.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [row?.version, row?.name, row?.checksum],
      );
    }
    expect((await sut.get('/readyz')).status).toBe(200);
  });

  it('/readyz says migrations are pending, not that the store is unreachable, before the first migration', async () => {
    const empty = await openTestStore(engine, { migrated: false });
    try {
      const pipeline = createPipeline({
        store: empty.store,
        profiles: await loadTestProfiles(),
        secrets: new Map(),
        logger: silentLogger(),
      });
      const server = createServer(pipeline.app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({
          status: 'not_ready',
          checks: { store: 'ok', migrations: 'pending' },
        });
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      await empty.dispose();
    }
  });
});
