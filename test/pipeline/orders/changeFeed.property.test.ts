import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import {
  FEED_START,
  readOrderChanges,
  type FeedPosition,
  type OrderChange,
} from '../../../pipeline/orders/orderChangeFeed.js';
import type { Store } from '../../../pipeline/store/store.js';
import { loadTestProfiles, uniqueId, WEBHOOK_PARTNER } from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';
import {
  HeldTransaction,
  untilFeedHorizonPasses,
  VERSION_BASE_MS,
  writeByApi,
  writeByWebhook,
  type WriteResult,
} from './feedWriters.js';

/**
 * The export's promise, as a property on PostgreSQL with several connections: whatever the
 * interleaving of writers (begun in one order, writing through the webhook inbox's statement or
 * the API's, committing or rolling back in another order) and of readers paging with random page
 * sizes, each reader sees every committed change exactly once (no duplicate, no miss), no rolled
 * back one, and each order's changes in version order. A failure prints fast-check's seed and
 * path; FEED_SEED=<seed> replays it.
 */
const postgres = ENGINES.find((engine) => engine.name === 'postgres');
const RUNS = Number(process.env.FEED_RUNS ?? 40);
const SEED = process.env.FEED_SEED === undefined ? undefined : Number(process.env.FEED_SEED);
/** Transactions open at once: each holds a pooled connection, and readers need one too. */
const MAX_OPEN = 4;

type Step =
  | { kind: 'begin' }
  | {
      kind: 'write';
      txn: number;
      via: 'webhook' | 'api';
      /** Create a new order, or change an order that no other open transaction holds. */
      fresh: boolean;
      pick: number;
      minute: number;
    }
  | { kind: 'commit'; txn: number }
  | { kind: 'rollback'; txn: number }
  | { kind: 'read'; reader: number; limit: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'begin' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      txn: fc.nat({ max: MAX_OPEN - 1 }),
      via: fc.constantFrom<'webhook' | 'api'>('webhook', 'api'),
      fresh: fc.nat({ max: 2 }).map((n) => n === 0),
      pick: fc.nat({ max: 20 }),
      minute: fc.integer({ min: 0, max: 30 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('commit' as const),
      txn: fc.nat({ max: MAX_OPEN - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rollback' as const),
      txn: fc.nat({ max: MAX_OPEN - 1 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      reader: fc.nat({ max: 1 }),
      limit: fc.integer({ min: 1, max: 5 }),
    }),
  },
);

interface OpenWriter {
  held: HeldTransaction;
  /** Orders this transaction has written to, applied or not: it holds their row locks. */
  locked: Set<string>;
  /** Orders whose state it changed, with the version it left them at. */
  versions: Map<string, Version>;
  /** Changes it made that the feed must show once it commits. */
  changes: string[];
}

interface Version {
  minute: number;
  eventId: string;
}

/** The order domain's comparison: version time, then event id in byte order. */
const newer = (a: Version, b: Version | undefined) =>
  b === undefined ||
  a.minute > b.minute ||
  (a.minute === b.minute && Buffer.compare(Buffer.from(a.eventId), Buffer.from(b.eventId)) > 0);

describe.skipIf(!postgres)('the order change feed, any interleaving (PostgreSQL)', () => {
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

  it('shows each reader every committed change once, each order in version order', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Writers open from the start, so most runs have several in flight at once.
        fc.integer({ min: 1, max: MAX_OPEN }),
        fc.array(stepArb, { minLength: 8, maxLength: 40, size: 'max' }),
        fc.array(fc.nat(), { minLength: MAX_OPEN, maxLength: MAX_OPEN }),
        async (beginners, generated, finalOrder) => {
          const steps: Step[] = [
            ...Array.from({ length: beginners }, () => ({ kind: 'begin' as const })),
            ...generated,
          ];
          const partnerId = uniqueId('p');
          const open: OpenWriter[] = [];
          const committed = new Map<string, Version>();
          const expected = new Set<string>();
          const xids: string[] = [];
          const readers = [0, 1].map(() => ({
            after: FEED_START as FeedPosition,
            seen: [] as OrderChange[],
          }));
          let orders = 0;

          const read = async (reader: (typeof readers)[number], limit: number) => {
            const page = await readOrderChanges(store, { partnerId, after: reader.after, limit });
            reader.seen.push(...page);
            reader.after = page.at(-1)?.position ?? reader.after;
            return page.length;
          };
          const end = async (writer: OpenWriter, how: 'commit' | 'rollback') => {
            open.splice(open.indexOf(writer), 1);
            await writer.held[how]();
            if (how === 'rollback') return;
            for (const [orderId, version] of writer.versions) committed.set(orderId, version);
            for (const change of writer.changes) expected.add(change);
          };

          try {
            for (const step of steps) {
              if (step.kind === 'begin') {
                if (open.length >= MAX_OPEN) continue;
                const held = await HeldTransaction.begin(store);
                xids.push(held.xid);
                open.push({ held, locked: new Set(), versions: new Map(), changes: [] });
              } else if (step.kind === 'read') {
                await read(readers[step.reader] as (typeof readers)[number], step.limit);
              } else if (open.length > 0) {
                const writer = open[step.txn % open.length] as OpenWriter;
                if (step.kind !== 'write') {
                  await end(writer, step.kind);
                  continue;
                }
                // Only orders no other open transaction holds: one that did would make this write
                // wait for a commit this loop has not reached yet. (Waiting writers are covered
                // step by step in outOfOrderCommits.test.ts.)
                const heldElsewhere = new Set(
                  open.filter((other) => other !== writer).flatMap((other) => [...other.locked]),
                );
                const free = [...new Set([...committed.keys(), ...writer.versions.keys()])].filter(
                  (orderId) => !heldElsewhere.has(orderId),
                );
                const orderId =
                  step.fresh || free.length === 0
                    ? `ORD-${orders++}`
                    : (free[step.pick % free.length] as string);
                const current = writer.versions.get(orderId) ?? committed.get(orderId);
                writer.locked.add(orderId);
                const result: WriteResult = await writer.held.run((tx) =>
                  step.via === 'webhook'
                    ? writeByWebhook(tx, profile, { partnerId, orderId, minute: step.minute })
                    : writeByApi(tx, { partnerId, orderId, minute: step.minute }),
                );
                const mine = { minute: step.minute, eventId: result.eventId };
                if (result.effect === 'applied') {
                  expect(newer(mine, current), `${orderId} applied over a newer version`).toBe(
                    true,
                  );
                  writer.versions.set(orderId, mine);
                  writer.changes.push(`${orderId} ${result.eventId}`);
                } else if (step.via === 'webhook' || current?.minute !== step.minute) {
                  // (An API write's event id is drawn at random: on a tie of minutes either is right.)
                  expect(newer(mine, current), `${orderId} superseded by an older version`).toBe(
                    false,
                  );
                }
              }
            }
          } finally {
            // Whatever happened, the rest commit, in an order of the generator's choosing.
            const rest = [...open].sort(
              (a, b) => (finalOrder[open.indexOf(a)] ?? 0) - (finalOrder[open.indexOf(b)] ?? 0),
            );
            for (const writer of rest) await end(writer, 'commit');
          }

          const lastXid = xids.reduce((max, xid) => (BigInt(xid) > BigInt(max) ? xid : max), '0');
          await untilFeedHorizonPasses(store, lastXid);
          for (const reader of readers) {
            while ((await read(reader, 7)) > 0);
            const keys = reader.seen.map((change) => `${change.orderId} ${change.eventId}`);
            expect(keys.length, 'a change seen twice').toBe(new Set(keys).size);
            expect(new Set(keys), 'missed or phantom changes').toEqual(expected);
            const last = new Map<string, Version>();
            for (const change of reader.seen) {
              const version = {
                minute: (change.updatedAt.getTime() - VERSION_BASE_MS) / 60_000,
                eventId: change.eventId,
              };
              expect(
                newer(version, last.get(change.orderId)),
                `${change.orderId} out of version order`,
              ).toBe(true);
              last.set(change.orderId, version);
            }
          }
        },
      ),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});
