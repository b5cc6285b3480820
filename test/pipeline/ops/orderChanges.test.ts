import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpsPage, OrderChangeRecord } from '../../../contracts/ops/opsRecords.js';
import {
  asErrorBody,
  orderEvent,
  START_MS,
  startPipelineUnderTest,
  uniqueId,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import { ENGINES } from '../../support/stores.js';

const iso = (offsetMs: number) => new Date(START_MS + offsetMs).toISOString();

// GET /ops/order-changes: the control an order export is certified against (export.complete).
describe.each(ENGINES)('GET /ops/order-changes on $name', (engine) => {
  let sut: PipelineUnderTest;
  const ids = {
    early: uniqueId('ORD-early'),
    twice: uniqueId('ORD-twice'),
    late: uniqueId('ORD-late'),
  };
  const correlation: Record<string, string> = {};

  beforeAll(async () => {
    sut = await startPipelineUnderTest(engine);
    const deliveries: [string, ReturnType<typeof orderEvent>][] = [
      [
        'early',
        orderEvent({ eventId: uniqueId('e'), orderId: ids.early, lastModified: iso(-600_000) }),
      ],
      [
        'created',
        orderEvent({
          eventId: uniqueId('e'),
          orderId: ids.twice,
          lastModified: iso(-60_000),
          total: 1000,
        }),
      ],
      [
        'updated',
        orderEvent({
          eventId: uniqueId('e'),
          type: 'order.updated',
          orderId: ids.twice,
          lastModified: iso(0),
          total: 2500,
        }),
      ],
      [
        'late',
        orderEvent({
          eventId: uniqueId('e'),
          orderId: ids.late,
          lastModified: iso(0),
          currency: 'JPY',
        }),
      ],
    ];
    for (const [name, event] of deliveries) {
      const answer = await sut.deliver(event, {
        'x-correlation-id': `corr-${name}-${event.event_id}`,
      });
      expect(answer.status).toBe(200);
      correlation[name] = `corr-${name}-${event.event_id}`;
    }
  });
  afterAll(async () => {
    await sut?.close();
  });

  const changes = async (query: string) => {
    const answer = await sut.get(`/ops/order-changes?${query}`);
    expect(answer.status).toBe(200);
    return answer.json as OpsPage<OrderChangeRecord>;
  };

  it('lists every change since changed_since (on the version time), newest first, with its version', async () => {
    const page = await changes(`partner_id=p_001&changed_since=${iso(-60_000)}`);
    const ours = page.items.filter((item) => Object.values(ids).includes(item.order_id));
    expect(ours).toEqual([
      expect.objectContaining({
        order_id: ids.late,
        updated_at: iso(0),
        currency: 'JPY',
        source: 'webhook',
        correlation_id: correlation.late,
      }),
      expect.objectContaining({
        order_id: ids.twice,
        updated_at: iso(0),
        total_amount: 2500,
        correlation_id: correlation.updated,
      }),
      expect.objectContaining({
        order_id: ids.twice,
        updated_at: iso(-60_000),
        total_amount: 1000,
        status: 'open',
        correlation_id: correlation.created,
      }),
    ]);
    // One record per change: the order changed twice is listed twice, each with its event.
    expect(new Set(ours.map((item) => item.event_id)).size).toBe(3);
    expect(ours.every((item) => item.partner_id === 'p_001')).toBe(true);
    expect([...ours].sort((a, b) => b.id - a.id)).toEqual(ours);
  });

  it('pages with limit and next_cursor, listing each change once', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: OpsPage<OrderChangeRecord> = await changes(
        `order_id=${encodeURIComponent(ids.twice)}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 5);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBeGreaterThan(seen[1] as number);
  });

  it('reads changed_since to the millisecond, as the export does', async () => {
    const page = await changes(
      `order_id=${encodeURIComponent(ids.twice)}&changed_since=${iso(-60_000).replace('Z', '999Z')}`,
    );
    expect(page.items.map((item) => item.updated_at)).toEqual([iso(0), iso(-60_000)]);
  });

  it.each(['yesterday', '2026-02-30T00:00:00Z', '2026-01-15T12:00:00+01:00'])(
    'refuses changed_since=%s with 400 naming the field',
    async (value) => {
      const answer = await sut.get(`/ops/order-changes?changed_since=${encodeURIComponent(value)}`);
      expect(answer.status).toBe(400);
      expect(asErrorBody(answer.json).error.details).toEqual([
        expect.objectContaining({ field: 'changed_since' }),
      ]);
    },
  );
});
