import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import type { JobHandler } from '../../../pipeline/jobs/job.js';
import type { JobRunner } from '../../../pipeline/jobs/jobRunner.js';
import { schedule } from '../../../pipeline/jobs/schedule.js';
import type { Store } from '../../../pipeline/store/store.js';
import { START_MS } from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';
import { deferred, jobRows, testRunner, uniqueKind } from './jobsSupport.js';

/**
 * Workers of `b2b pipeline serve --workers N`, as the database sees them: on PostgreSQL, runners
 * on separate connection pools over one schema, claiming at the same moment; on PGlite (one
 * process, one connection) two runners over the one store, with the same SQL.
 */
describe.each(ENGINES)('job claims across workers on $name', (engine) => {
  let testStore: TestStore;
  let sibling: Store;

  beforeAll(async () => {
    testStore = await openTestStore(engine);
    sibling = engine.databaseUrl ? await testStore.openSibling() : testStore.store;
  });
  afterAll(async () => {
    await testStore?.dispose();
  });

  it('two workers racing over 200 due jobs run each exactly once, never at the same time', async () => {
    const clock = new FakeClock(START_MS);
    const kind = uniqueKind('race');
    const runsBy = new Map<number, string[]>();
    const inFlight = new Set<number>();
    const overlaps: number[] = [];
    const worker = (store: Store): JobRunner => {
      const handler: JobHandler = {
        kind,
        async run(job) {
          if (inFlight.has(job.id)) overlaps.push(job.id);
          inFlight.add(job.id);
          runsBy.set(job.id, [...(runsBy.get(job.id) ?? []), runner.workerId]);
          // Let the other worker's claims interleave with this run.
          await new Promise<void>((resolve) => setImmediate(resolve));
          inFlight.delete(job.id);
        },
      };
      const runner = testRunner(store, clock, [handler], { concurrency: 16 });
      return runner;
    };
    const workers = [worker(testStore.store), worker(sibling)];
    const ids: number[] = [];
    await testStore.store.transaction(async (tx) => {
      for (let n = 0; n < 200; n++)
        ids.push((await schedule(tx, { kind, key: `job-${n}`, runAt: clock.now() })).id);
    });

    const claimedBy = new Map<string, number>();
    for (let rounds = 0; rounds < 100; rounds++) {
      const outcomes = await Promise.all(workers.map((one) => one.runDue()));
      outcomes.forEach((ran, index) => {
        const id = workers[index]?.workerId ?? '';
        claimedBy.set(id, (claimedBy.get(id) ?? 0) + ran.length);
      });
      if (outcomes.every((ran) => ran.length === 0)) break;
    }

    expect(overlaps).toEqual([]);
    expect([...runsBy.keys()].sort((a, b) => a - b)).toEqual(ids);
    expect([...runsBy.values()].filter((by) => by.length !== 1)).toEqual([]);
    // Both workers took part: the claims really raced.
    expect([...claimedBy.values()].every((count) => count > 0)).toBe(true);
    expect([...claimedBy.values()].reduce((a, b) => a + b, 0)).toBe(200);
    const rows = await jobRows(testStore.store, 'kind = $1', [kind]);
    expect(rows.every((row) => row.state === 'done' && row.attempts === 1)).toBe(true);
  });

  // PGlite has one connection: a transaction holding rows would hold the whole store.
  it.skipIf(!engine.databaseUrl)(
    'passes over jobs another transaction holds instead of waiting for it',
    async () => {
      const clock = new FakeClock(START_MS);
      const kind = uniqueKind('locked');
      const ran: string[] = [];
      const runner = testRunner(
        testStore.store,
        clock,
        [{ kind, run: async (job) => void ran.push(job.key) }],
        { concurrency: 10 },
      );
      for (let n = 0; n < 6; n++)
        await schedule(testStore.store, { kind, key: `job-${n}`, runAt: clock.now() });

      // Another worker is in the middle of claiming the first three.
      const locked = deferred();
      const release = deferred();
      const holder = sibling.transaction(async (tx) => {
        await tx.query(
          `SELECT seq FROM jobs WHERE kind = $1 AND key IN ('job-0', 'job-1', 'job-2') FOR UPDATE`,
          [kind],
        );
        locked.resolve();
        await release.promise;
      });
      await locked.promise;
      const outcomes = await runner.runDue();
      expect(ran.sort()).toEqual(['job-3', 'job-4', 'job-5']);
      expect(outcomes).toHaveLength(3);
      release.resolve();
      await holder;
      await runner.runDue();
      expect(ran.sort()).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4', 'job-5']);
    },
  );
});
