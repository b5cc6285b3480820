import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import {
  FEED_START,
  readOrderChanges,
  type OrderChange,
} from '../../../pipeline/orders/orderChangeFeed.js';
import type { Store } from '../../../pipeline/store/store.js';
import { loadTestProfiles, uniqueId, WEBHOOK_PARTNER } from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';
import {
  HeldTransaction,
  readBySequence,
  untilFeedHorizonPasses,
  versionAt,
  waitsForLock,
  writeByApi,
  writeByWebhook,
} from './feedWriters.js';

/**
 * The case the export's cursor exists for, played step by step on PostgreSQL (PGlite has one
 * connection: its transactions cannot overlap). Two writers take their sequence numbers in one
 * order and commit in the other. A cursor over the sequence moves past the late one and never
 * sees it; the change feed's cursor (pipeline/orders/orderChangeFeed.ts) waits for it.
 */
const postgres = ENGINES.find((engine) => engine.name === 'postgres');

describe.skipIf(!postgres)('the order change feed under out-of-order commits (PostgreSQL)', () => {
  let testStore: TestStore;
  let store: Store;
  let profile: PartnerProfile;

  beforeAll(async () => {
    testStore = await openTestStore(postgres as NonNullable<typeof postgres>);
    store = testStore.store;
    profile = (await loadTestProfiles()).get(WEBHOOK_PARTNER) as PartnerProfile;
  });
  afterAll(async () => {
    await testStore?.dispose();
  });

  // A test that failed half-way must not leave a transaction holding the feed back for the next.
  const begun: HeldTransaction[] = [];
  const begin = async () => {
    const held = await HeldTransaction.begin(store);
    begun.push(held);
    return held;
  };
  afterEach(async () => {
    for (const held of begun.splice(0)) if (!held.finished) await held.rollback();
  });

  const readAll = async (partnerId: string): Promise<OrderChange[]> => {
    const changes: OrderChange[] = [];
    let after = FEED_START;
    for (;;) {
      const page = await readOrderChanges(store, { partnerId, after, limit: 2 });
      if (page.length === 0) return changes;
      changes.push(...page);
      after = (page.at(-1) as OrderChange).position;
    }
  };

  it('a sequence cursor misses a change that took its number first and committed last; the feed does not', async () => {
    const partnerId = uniqueId('p');
    const early = await begin();
    const late = await begin();
    await early.run((tx) => writeByApi(tx, { partnerId, orderId: 'ORD-early', minute: 1 }));
    await late.run((tx) =>
      writeByWebhook(tx, profile, { partnerId, orderId: 'ORD-late', minute: 2 }),
    );
    await late.commit();

    // The late writer is committed, the early one not yet.
    const bySequence = await readBySequence(store, partnerId, 0);
    expect(bySequence.map((row) => row.order_id)).toEqual(['ORD-late']);
    // The feed holds back: the early transaction is still running, so nothing from its id on is
    // final, and the late one's change sits after it.
    expect(await readOrderChanges(store, { partnerId, after: FEED_START, limit: 10 })).toEqual([]);

    await early.commit();
    const [earlyRow] = await store.query<{ seq: number }>(
      `SELECT seq FROM order_changes WHERE partner_id = $1 AND order_id = 'ORD-early'`,
      [partnerId],
    );
    // The early change took the lower number, so the sequence reader, past it, never sees it.
    expect(Number(earlyRow?.seq)).toBeLessThan((bySequence[0] as { seq: number }).seq);
    expect(await readBySequence(store, partnerId, (bySequence[0] as { seq: number }).seq)).toEqual(
      [],
    );

    await untilFeedHorizonPasses(store, late.xid);
    expect((await readAll(partnerId)).map((change) => change.orderId)).toEqual([
      'ORD-early',
      'ORD-late',
    ]);
  });

  it('a reader that paged while the late writer was open still sees every change once', async () => {
    const partnerId = uniqueId('p');
    const seen: OrderChange[] = [];
    let after = FEED_START;
    const read = async () => {
      const page = await readOrderChanges(store, { partnerId, after, limit: 1 });
      seen.push(...page);
      after = page.at(-1)?.position ?? after;
    };
    const first = await begin();
    await first.run((tx) =>
      writeByWebhook(tx, profile, { partnerId, orderId: 'ORD-1', minute: 1 }),
    );
    await first.commit();
    const slow = await begin();
    const fast = await begin();
    await slow.run((tx) => writeByWebhook(tx, profile, { partnerId, orderId: 'ORD-2', minute: 2 }));
    await fast.run((tx) => writeByApi(tx, { partnerId, orderId: 'ORD-3', minute: 3 }));
    await fast.commit();
    await untilFeedHorizonPasses(store, first.xid);
    await read(); // ORD-1; ORD-3 is committed but held back behind the running slow writer
    await read();
    await slow.commit();
    await untilFeedHorizonPasses(store, fast.xid);
    await read();
    await read();
    await read();

    expect(seen.map((change) => change.orderId)).toEqual(['ORD-1', 'ORD-2', 'ORD-3']);
  });

  it("reads one order's changes in version order when the newer change's transaction is the older one", async () => {
    const partnerId = uniqueId('p');
    const older = await begin();
    const younger = await begin();
    await younger.run((tx) =>
      writeByWebhook(tx, profile, { partnerId, orderId: 'ORD-X', minute: 10, total: 100 }),
    );
    await younger.commit();
    // The older transaction changes the same order afterwards, to a newer version.
    const newer = await older.run((tx) =>
      writeByApi(tx, { partnerId, orderId: 'ORD-X', minute: 11, total: 200 }),
    );
    await older.commit();
    expect(newer.effect).toBe('applied');
    expect(BigInt(older.xid)).toBeLessThan(BigInt(younger.xid));

    await untilFeedHorizonPasses(store, younger.xid);
    const changes = await readAll(partnerId);
    // By transaction id alone the newer state (older.xid) would come first, and a partner
    // replaying the feed would end on the old one.
    expect(changes.map((change) => [change.totalAmount, change.updatedAt])).toEqual([
      [100, versionAt(10)],
      [200, versionAt(11)],
    ]);
    expect(changes[1]?.position.xid).toBe(younger.xid);
  });

  it('keeps version order when the older transaction had to wait for the younger one’s lock', async () => {
    const partnerId = uniqueId('p');
    const older = await begin();
    const younger = await begin();
    await younger.run((tx) =>
      writeByWebhook(tx, profile, { partnerId, orderId: 'ORD-Y', minute: 20, total: 100 }),
    );
    await older.run((tx) =>
      writeByWebhook(tx, profile, { partnerId, orderId: 'ORD-Z', minute: 20 }),
    );
    // Blocks on ORD-Y's row (being created by younger) until younger commits.
    const waiting = older.run((tx) =>
      writeByWebhook(tx, profile, { partnerId, orderId: 'ORD-Y', minute: 21, total: 200 }),
    );
    while (!(await waitsForLock(store, older.pid)))
      await new Promise<void>((resolve) => setImmediate(resolve));
    await younger.commit();
    expect((await waiting).effect).toBe('applied');
    await older.commit();

    await untilFeedHorizonPasses(store, younger.xid);
    const changes = (await readAll(partnerId)).filter((change) => change.orderId === 'ORD-Y');
    expect(changes.map((change) => change.totalAmount)).toEqual([100, 200]);
  });

  it('never shows a rolled-back change', async () => {
    const partnerId = uniqueId('p');
    const doomed = await begin();
    const kept = await begin();
    await doomed.run((tx) => writeByApi(tx, { partnerId, orderId: 'ORD-doomed', minute: 1 }));
    await kept.run((tx) => writeByApi(tx, { partnerId, orderId: 'ORD-kept', minute: 1 }));
    await doomed.rollback();
    await kept.commit();

    await untilFeedHorizonPasses(store, kept.xid);
    expect((await readAll(partnerId)).map((change) => change.orderId)).toEqual(['ORD-kept']);
  });
});
