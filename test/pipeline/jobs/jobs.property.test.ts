import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import { seededRandom } from '../../../lib/seededRandom.js';
import type { JobHandler } from '../../../pipeline/jobs/job.js';
import type { JobOutcome, JobRunner } from '../../../pipeline/jobs/jobRunner.js';
import { schedule } from '../../../pipeline/jobs/schedule.js';
import type { Store } from '../../../pipeline/store/store.js';
import { START_MS } from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';
import { deferred, jobRows, testRunner, uniqueKind } from './jobsSupport.js';

/**
 * The job mechanism's promise, as a property: whatever the schedule (times, retry policies, how
 * many attempts fail), whichever workers claim when (two healthy ones, sometimes at the same
 * moment; one that dies holding what it claimed; one that stalls past its lease and then
 * finishes), every job ends done or dead, none is lost, none is run by two healthy workers at
 * once, none runs before its time, a done job was finished as done exactly once and a dead one
 * never, after exactly its max_attempts. A failure prints fast-check's seed and path;
 * JOBS_SEED=<seed> replays it.
 */
const RUNS = Number(process.env.JOBS_RUNS ?? 25);
const SEED = process.env.JOBS_SEED === undefined ? undefined : Number(process.env.JOBS_SEED);
const LEASE_MS = 10_000;
const CAP_MS = 4_000;

interface PlannedJob {
  delayMs: number;
  maxAttempts: number;
  /** Attempts that fail before one succeeds (≥ maxAttempts: it never does). */
  failures: number;
  /** Scheduled a second time while pending: must stay one job. */
  twice: boolean;
}

type Step =
  | { kind: 'run'; worker: 0 | 1; advanceMs: number }
  | { kind: 'race'; advanceMs: number }
  | { kind: 'die'; advanceMs: number }
  | { kind: 'stall'; advanceMs: number }
  | { kind: 'wake'; advanceMs: number };

const jobArb: fc.Arbitrary<PlannedJob> = fc.record({
  delayMs: fc.nat({ max: 20_000 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  failures: fc.nat({ max: 5 }),
  twice: fc.boolean(),
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      worker: fc.constantFrom<0 | 1>(0, 1),
      advanceMs: fc.nat({ max: 6_000 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('race' as const), advanceMs: fc.nat({ max: 6_000 }) }),
  },
  ...(['die', 'stall', 'wake'] as const).map((kind) => ({
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant(kind), advanceMs: fc.nat({ max: 6_000 }) }),
  })),
);

describe.each(ENGINES)('background jobs, whatever happens, on $name', (engine) => {
  let testStore: TestStore;
  let sibling: Store;

  beforeAll(async () => {
    testStore = await openTestStore(engine);
    sibling = engine.databaseUrl ? await testStore.openSibling() : testStore.store;
  });
  afterAll(async () => {
    await testStore?.dispose();
  });

  it('every job ends done or dead, exactly as its attempts say, never twice at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobArb, { minLength: 1, maxLength: 12 }),
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.nat(),
        async (planned, steps, seed) => {
          const clock = new FakeClock(START_MS);
          const kind = uniqueKind('property');
          const plans = new Map<number, PlannedJob>();
          /** Finishes the store accepted as done, by job, from every worker's outcomes. */
          const finishedDone = new Map<number, number>();
          const count = (outcomes: JobOutcome[]) => {
            for (const one of outcomes)
              if (one.outcome === 'done')
                finishedDone.set(one.id, (finishedDone.get(one.id) ?? 0) + 1);
          };
          const live = new Set<number>();
          const problems: string[] = [];

          const healthy: JobHandler = {
            kind,
            leaseMs: LEASE_MS,
            async run(job) {
              if (live.has(job.id)) problems.push(`job ${job.id} ran twice at once`);
              if (clock.now() < job.runAtMs) problems.push(`job ${job.id} ran before its time`);
              live.add(job.id);
              try {
                await new Promise<void>((resolve) => setImmediate(resolve));
                const plan = plans.get(job.id);
                if (!plan) throw new Error(`job ${job.id} was never scheduled`);
                if (job.attempt <= plan.failures) throw new Error(`failure ${job.attempt}`);
              } finally {
                live.delete(job.id);
              }
            },
          };
          // A worker that dies holding what it claimed: its handlers never return.
          const dying: JobHandler = {
            kind,
            leaseMs: LEASE_MS,
            run: () => new Promise<void>(() => undefined),
          };
          // A worker that stalls past its lease, then finishes (successfully) when woken.
          let wake = deferred();
          const stalling: JobHandler = { kind, leaseMs: LEASE_MS, run: () => wake.promise };
          const stalled: Promise<JobOutcome[]>[] = [];
          const random = seededRandom(seed).next;
          const workers: JobRunner[] = [
            testRunner(testStore.store, clock, [healthy], { random, concurrency: 3 }),
            testRunner(sibling, clock, [healthy], { random, concurrency: 3 }),
          ];

          for (const [index, plan] of planned.entries()) {
            const request = {
              kind,
              key: `job-${index}`,
              runAt: clock.now() + plan.delayMs,
              retry: {
                max_attempts: plan.maxAttempts,
                backoff_ms_cap: CAP_MS,
                jitter: 'full' as const,
              },
            };
            const { id } = await schedule(testStore.store, request);
            plans.set(id, plan);
            if (plan.twice) {
              const again = await schedule(sibling, request);
              if (again.id !== id || again.created) problems.push(`job ${id} was scheduled twice`);
            }
          }

          for (const step of steps) {
            clock.advance(step.advanceMs);
            if (step.kind === 'run') count((await workers[step.worker]?.runDue()) ?? []);
            if (step.kind === 'race')
              for (const ran of await Promise.all(workers.map((one) => one.runDue()))) count(ran);
            if (step.kind === 'wake') {
              wake.resolve();
              for (const ran of await Promise.all(stalled.splice(0))) count(ran);
              wake = deferred();
            }
            if (step.kind === 'die' || step.kind === 'stall') {
              // It claims (its claim is the first statement it sends), then never finishes what
              // it claimed: that is left to the lease.
              let claimed!: () => void;
              const claim = new Promise<void>((resolve) => (claimed = resolve));
              const store: Store = {
                ...testStore.store,
                query: async (text, params) => {
                  try {
                    return await testStore.store.query(text, params);
                  } finally {
                    claimed();
                  }
                },
              };
              const handler = step.kind === 'die' ? dying : stalling;
              const outcomes = testRunner(store, clock, [handler], { concurrency: 2 }).runDue();
              if (step.kind === 'stall') stalled.push(outcomes);
              await claim;
            }
          }

          // Time goes on and the healthy workers keep at it until nothing is left.
          for (let round = 0; round < 60; round++) {
            const open = await jobRows(testStore.store, 'kind = $1 AND state IN ($2, $3)', [
              kind,
              'pending',
              'running',
            ]);
            if (open.length === 0) break;
            clock.advance(LEASE_MS);
            for (const ran of await Promise.all(workers.map((one) => one.runDue()))) count(ran);
          }
          // Stalled workers wake up late: their finishes must change nothing.
          wake.resolve();
          for (const ran of await Promise.all(stalled.splice(0))) count(ran);

          const rows = await jobRows(testStore.store, 'kind = $1', [kind]);
          expect(problems).toEqual([]);
          expect(rows.map((row) => row.id).sort((a, b) => a - b)).toEqual(
            [...plans.keys()].sort((a, b) => a - b),
          );
          for (const row of rows) {
            const plan = plans.get(row.id) as PlannedJob;
            expect(['done', 'dead']).toContain(row.state);
            expect(row.finished).toBe(true);
            expect(row.locked_by).toBeNull();
            expect(row.attempts).toBeLessThanOrEqual(plan.maxAttempts);
            if (row.state === 'done') {
              expect(finishedDone.get(row.id)).toBe(1);
            } else {
              expect(finishedDone.get(row.id) ?? 0).toBe(0);
              expect(row.attempts).toBe(plan.maxAttempts);
              expect(row.last_error).toMatch(/^(failure \d+|lease expired: .*)$/);
            }
            // Without a worker dying or stalling, the plan alone decides.
            if (steps.every((step) => step.kind === 'run' || step.kind === 'race'))
              expect(row.state).toBe(plan.failures < plan.maxAttempts ? 'done' : 'dead');
          }
        },
      ),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});
