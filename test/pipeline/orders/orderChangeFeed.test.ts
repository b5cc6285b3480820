import { afterEach, describe, expect, it } from 'vitest';
import { FEED_START, readOrderChanges } from '../../../pipeline/orders/orderChangeFeed.js';
import { migrate, readMigrations } from '../../../pipeline/store/migrate.js';
import { uniqueId } from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';

/**
 * The feed's reader on each engine, where it does not take concurrency to show: positions sort as
 * numbers, and orders stored before the feed existed enter it once.
 */
describe.each(ENGINES)('the order change feed on $name', (engine) => {
  let testStore: TestStore | undefined;
  afterEach(async () => {
    await testStore?.dispose();
    testStore = undefined;
  });

  const change = (partnerId: string, orderId: string, feedXid: string) => [
    feedXid,
    partnerId,
    orderId,
    `evt-${orderId}`,
  ];
  const insertChange = `INSERT INTO order_changes (feed_xid, partner_id, order_id, event_id, source, status,
      total_amount, currency, updated_at, attributes, correlation_id, recorded_at)
    VALUES ($1::xid8, $2, $3, $4, 'webhook', 'open', 100, 'EUR', '2026-01-15T12:00:00Z', '{}', 'c',
      '2026-01-15T12:00:00Z')`;

  it('orders positions by transaction id as a number, not as text', async () => {
    testStore = await openTestStore(engine);
    const partnerId = uniqueId('p');
    // Inserted out of order, with ids of different lengths: as text, "10" < "100" < "9".
    for (const [orderId, xid] of [
      ['C', '100'],
      ['A', '9'],
      ['B', '10'],
    ] as const)
      await testStore.store.query(insertChange, change(partnerId, orderId, xid));

    const pages = [];
    let after = FEED_START;
    for (let page = 0; page < 3; page++) {
      const changes = await readOrderChanges(testStore.store, { partnerId, after, limit: 1 });
      pages.push(...changes.map((one) => `${one.orderId}@${one.position.xid}`));
      after = changes.at(-1)?.position ?? after;
    }
    expect(pages).toEqual(['A@9', 'B@10', 'C@100']);
  });

  it('puts orders stored before the feed existed into it once', async () => {
    testStore = await openTestStore(engine, { migrated: false });
    const all = await readMigrations();
    await migrate(
      testStore.store,
      all.filter((migration) => migration.version < 4),
    );
    await testStore.store.query(
      `INSERT INTO orders (partner_id, order_id, status, total_amount, currency, updated_at, attributes,
                           last_event_id, correlation_id, first_seen_at)
       VALUES ('p_001', 'ORD-old', 'cancelled', 4599, 'EUR', '2026-01-10T08:00:00Z',
               '{"buyer_email": "buyer@example.com"}', 'evt-old', 'corr-old', '2026-01-10T08:00:01Z')`,
    );
    await migrate(testStore.store);

    const changes = await readOrderChanges(testStore.store, {
      partnerId: 'p_001',
      after: FEED_START,
      limit: 10,
    });
    expect(changes).toEqual([
      expect.objectContaining({
        orderId: 'ORD-old',
        eventId: 'evt-old',
        status: 'cancelled',
        totalAmount: 4599,
        updatedAt: new Date('2026-01-10T08:00:00Z'),
        attributes: { buyer_email: 'buyer@example.com' },
      }),
    ]);
  });
});
