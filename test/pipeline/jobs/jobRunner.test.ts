import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import type { ClaimedJob, JobHandler } from '../../../pipeline/jobs/job.js';
import { recurring } from '../../../pipeline/jobs/recurring.js';
import { retryDelayBounds } from '../../../pipeline/jobs/retryPolicy.js';
import { schedule } from '../../../pipeline/jobs/schedule.js';
import { START_MS } from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';
import {
  deferred,
  jobRow,
  jobRows,
  metricValue,
  testMetrics,
  testRunner,
  uniqueKind,
} from './jobsSupport.js';

/** A handler that records every run, and fails while `fail(job)` says so. */
function recorder(kind: string, fail: (job: ClaimedJob) => string | undefined = () => undefined) {
  const runs: ClaimedJob[] = [];
  const handler: JobHandler = {
    kind,
    async run(job) {
      runs.push(job);
      const reason = fail(job);
      if (reason) throw new Error(reason);
    },
  };
  return { runs, handler };
}

describe.each(ENGINES)('background jobs on $name', (engine) => {
  let testStore: TestStore;
  let clock: FakeClock;

  beforeAll(async () => {
    testStore = await openTestStore(engine);
  });
  afterAll(async () => {
    await testStore?.dispose();
  });
  const fresh = () => {
    clock = new FakeClock(START_MS);
    return testStore.store;
  };

  it('runs each due job once, and nothing when none is due', async () => {
    const store = fresh();
    const kind = uniqueKind('due');
    const { runs, handler } = recorder(kind);
    const runner = testRunner(store, clock, [handler]);
    const ids = [];
    for (const key of ['a', 'b', 'c'])
      ids.push((await schedule(store, { kind, key, runAt: clock.now(), payload: { key } })).id);

    const outcomes = await runner.runDue();
    expect(outcomes.map((one) => one.outcome)).toEqual(['done', 'done', 'done']);
    expect(runs.map((job) => job.payload)).toEqual([{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
    expect(runs.every((job) => job.attempt === 1)).toBe(true);
    for (const id of ids) expect((await jobRow(store, id)).state).toBe('done');

    clock.advance(60_000);
    expect(await runner.runDue()).toEqual([]);
    expect(runs).toHaveLength(3);
  });

  it('leaves a job alone until its time, then runs it', async () => {
    const store = fresh();
    const kind = uniqueKind('later');
    const { runs, handler } = recorder(kind);
    const runner = testRunner(store, clock, [handler]);
    const { id } = await schedule(store, { kind, key: 'k', runAt: clock.now() + 60_000 });

    expect(await runner.runDue()).toEqual([]);
    clock.advance(59_999);
    expect(await runner.runDue()).toEqual([]);
    expect((await jobRow(store, id)).state).toBe('pending');
    clock.advance(1);
    expect((await runner.runDue()).map((one) => one.id)).toEqual([id]);
    expect(runs).toHaveLength(1);
  });

  it('claims no more than its free slots, and only the kinds it has handlers for', async () => {
    const store = fresh();
    const kind = uniqueKind('slots');
    const stranger = uniqueKind('stranger');
    const gate = deferred();
    const bothStarted = deferred();
    let started = 0;
    const runner = testRunner(
      store,
      clock,
      [
        {
          kind,
          run: () => {
            if (++started === 2) bothStarted.resolve();
            return gate.promise;
          },
        },
      ],
      { concurrency: 2 },
    );
    for (const key of ['a', 'b', 'c']) await schedule(store, { kind, key, runAt: clock.now() });
    const { id: strangerId } = await schedule(store, { kind: stranger, key: 'x', runAt: 0 });

    const first = runner.runDue();
    await bothStarted.promise;
    expect(await runner.runDue()).toEqual([]); // both slots taken: nothing more is claimed
    expect((await jobRows(store, 'kind = $1 AND state = $2', [kind, 'running'])).length).toBe(2);
    expect(runner.running).toBe(2);
    gate.resolve();
    expect((await first).map((one) => one.outcome)).toEqual(['done', 'done']);
    expect((await runner.runDue()).map((one) => one.outcome)).toEqual(['done']);
    expect((await jobRow(store, strangerId)).state).toBe('pending');
  });

  it('retries a failing job with capped, jittered backoff, then dead-letters it with the reason', async () => {
    const store = fresh();
    const kind = uniqueKind('flaky');
    const { runs, handler } = recorder(
      kind,
      (job) => `partner answered 503 (attempt ${job.attempt})`,
    );
    const { registry, metrics } = testMetrics(store, clock);
    const runner = testRunner(store, clock, [handler], { metrics });
    const policy = { max_attempts: 4, backoff_ms_cap: 3_000, jitter: 'full' as const };
    const { id } = await schedule(store, {
      kind,
      key: 'order-1',
      runAt: clock.now(),
      retry: policy,
    });

    for (let attempt = 1; attempt <= 3; attempt++) {
      const [outcome] = await runner.runDue();
      expect(outcome).toMatchObject({ id, attempt, outcome: 'retry' });
      const waitMs = (outcome?.retryAtMs ?? 0) - clock.now();
      const bounds = retryDelayBounds(policy, attempt);
      expect(waitMs).toBeGreaterThanOrEqual(bounds.minMs);
      expect(waitMs).toBeLessThanOrEqual(Math.min(bounds.maxMs, policy.backoff_ms_cap));
      const row = await jobRow(store, id);
      expect(row).toMatchObject({
        state: 'pending',
        attempts: attempt,
        run_at_ms: outcome?.retryAtMs,
        locked_by: null,
        last_error: `partner answered 503 (attempt ${attempt})`,
      });
      // Not a moment before its time.
      clock.set((outcome?.retryAtMs ?? 0) - 1);
      expect(await runner.runDue()).toEqual([]);
      clock.advance(1);
    }
    const [last] = await runner.runDue();
    expect(last).toMatchObject({ id, attempt: 4, outcome: 'dead' });
    expect(await jobRow(store, id)).toMatchObject({
      state: 'dead',
      attempts: 4,
      finished: true,
      last_error: 'partner answered 503 (attempt 4)',
    });
    expect(runs).toHaveLength(4);
    clock.advance(24 * 60 * 60_000);
    expect(await runner.runDue()).toEqual([]);

    expect(await metricValue(registry, 'b2b_jobs_run_total', { kind })).toBe(4);
    expect(await metricValue(registry, 'b2b_jobs_failed_total', { kind })).toBe(4);
    expect(await metricValue(registry, 'b2b_jobs_dead_total', { kind })).toBe(1);
  });

  it('spreads the retries of jobs that failed together (full jitter), each within its bounds', async () => {
    const store = fresh();
    const kind = uniqueKind('outage');
    const { handler } = recorder(kind, () => 'connection refused');
    const runner = testRunner(store, clock, [handler], { concurrency: 20 });
    const policy = { max_attempts: 8, backoff_ms_cap: 300_000, jitter: 'full' as const };
    for (let n = 0; n < 20; n++)
      await schedule(store, { kind, key: `event-${n}`, runAt: clock.now(), retry: policy });
    // Three rounds of failures: attempt 3 waits up to 4 s.
    for (let round = 1; round <= 3; round++) {
      const outcomes = await runner.runDue();
      expect(outcomes).toHaveLength(20);
      const waits = outcomes.map((one) => (one.retryAtMs ?? 0) - clock.now());
      const { minMs, maxMs } = retryDelayBounds(policy, round);
      for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(minMs);
      for (const wait of waits) expect(wait).toBeLessThanOrEqual(maxMs);
      expect(new Set(waits).size).toBeGreaterThan(10);
      clock.advance(maxMs);
    }
  });

  it('runs a job again once the lease of a worker that died mid-job has run out', async () => {
    const store = fresh();
    const kind = uniqueKind('lease');
    const hung = deferred();
    const started = deferred();
    let signal: AbortSignal | undefined;
    const dying = testRunner(store, clock, [
      {
        kind,
        leaseMs: 30_000,
        run: (_job, context) => {
          signal = context.signal;
          started.resolve();
          return hung.promise;
        },
      },
    ]);
    const { runs, handler } = recorder(kind);
    const survivor = testRunner(store, clock, [{ ...handler, leaseMs: 30_000 }]);
    const { id } = await schedule(store, { kind, key: 'poll', runAt: clock.now() });

    const abandoned = dying.runDue();
    await started.promise;
    expect(await jobRow(store, id)).toMatchObject({ state: 'running', locked_by: dying.workerId });
    clock.advance(29_999);
    expect(await survivor.runDue()).toEqual([]);
    clock.advance(1);
    const [outcome] = await survivor.runDue();
    expect(outcome).toMatchObject({ id, attempt: 2, outcome: 'done' });
    expect(runs[0]?.lastError).toMatch(/^lease expired: .* did not finish attempt 1 of 5$/);
    expect((await jobRow(store, id)).state).toBe('done');

    // The "dead" worker was only slow: its runner tells it the lease is gone, and its late finish
    // changes nothing.
    await dying.runDue();
    expect(signal?.aborted).toBe(true);
    hung.resolve();
    expect(await abandoned).toMatchObject([{ id, outcome: 'lease_lost' }]);
    expect(await jobRow(store, id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('dead-letters a job whose lease ran out on its last attempt instead of running it again', async () => {
    const store = fresh();
    const kind = uniqueKind('poison');
    const { runs, handler } = recorder(kind);
    const started = deferred();
    const dying = testRunner(store, clock, [
      {
        kind,
        leaseMs: 10_000,
        run: () => {
          started.resolve();
          return new Promise<void>(() => undefined);
        },
      },
    ]);
    const survivor = testRunner(store, clock, [{ ...handler, leaseMs: 10_000 }]);
    const retry = { max_attempts: 1, backoff_ms_cap: 1_000, jitter: 'full' as const };
    const { id } = await schedule(store, { kind, key: 'k', runAt: clock.now(), retry });
    void dying.runDue();
    await started.promise;
    clock.advance(10_000);
    expect(await survivor.runDue()).toMatchObject([{ id, outcome: 'dead' }]);
    expect(runs).toHaveLength(0);
    expect(await jobRow(store, id)).toMatchObject({
      state: 'dead',
      attempts: 1,
      finished: true,
      locked_by: null,
    });
    expect((await jobRow(store, id)).last_error).toMatch(/did not finish attempt 1 of 1/);
  });

  it('keeps one pending job per kind, partner and key; a second request only moves it earlier', async () => {
    const store = fresh();
    const kind = uniqueKind('dedupe');
    const now = clock.now();
    const first = await schedule(store, {
      kind,
      partnerId: 'p_002',
      key: 'inbox',
      runAt: now + 60_000,
      payload: { first: true },
      correlationId: 'corr-first',
    });
    expect(first).toMatchObject({ created: true, runAtMs: now + 60_000 });
    const later = await schedule(store, {
      kind,
      partnerId: 'p_002',
      key: 'inbox',
      runAt: now + 90_000,
    });
    expect(later).toEqual({ id: first.id, created: false, runAtMs: now + 60_000 });
    const sooner = await schedule(store, { kind, partnerId: 'p_002', key: 'inbox', runAt: now });
    expect(sooner).toEqual({ id: first.id, created: false, runAtMs: now });
    expect(await jobRows(store, 'kind = $1', [kind])).toEqual([
      expect.objectContaining({
        id: first.id,
        run_at_ms: now,
        payload: { first: true },
        correlation_id: 'corr-first',
      }),
    ]);

    // Another partner, another key, or the pipeline's own (no partner): other jobs.
    const other = await schedule(store, { kind, partnerId: 'p_003', key: 'inbox', runAt: now });
    const otherKey = await schedule(store, { kind, partnerId: 'p_002', key: 'outbox', runAt: now });
    const own = await schedule(store, { kind, key: 'inbox', runAt: now });
    const ownAgain = await schedule(store, { kind, partnerId: null, key: 'inbox', runAt: now });
    expect(new Set([first.id, other.id, otherKey.id, own.id]).size).toBe(4);
    expect(ownAgain).toMatchObject({ id: own.id, created: false });

    // Once it runs, the same key may be pending again (a poller schedules its next run).
    const { handler } = recorder(kind);
    await testRunner(store, clock, [handler]).runDue();
    const again = await schedule(store, { kind, partnerId: 'p_002', key: 'inbox', runAt: now });
    expect(again.created).toBe(true);
    expect(again.id).not.toBe(first.id);
  });

  it("schedules in the caller's transaction: rolled back, the job never existed", async () => {
    const store = fresh();
    const kind = uniqueKind('tx');
    await expect(
      store.transaction(async (tx) => {
        await schedule(tx, { kind, key: 'deadline', runAt: clock.now() });
        throw new Error('the interchange was refused');
      }),
    ).rejects.toThrow('refused');
    expect(await jobRows(store, 'kind = $1', [kind])).toEqual([]);
  });

  it('runs recurring work every N, started once however many workers start it', async () => {
    const store = fresh();
    const kind = uniqueKind('poller');
    const polls: number[] = [];
    const poller = recurring({
      kind,
      everyMs: 10_000,
      async run(_job, context) {
        polls.push(context.clock.now());
      },
    });
    const workers = [testRunner(store, clock, [poller]), testRunner(store, clock, [poller])];
    for (let n = 0; n < 2; n++)
      await schedule(store, { kind, partnerId: 'p_002', key: 'sftp', runAt: clock.now() });

    for (let tick = 0; tick < 6; tick++) {
      for (const worker of workers) await worker.runDue();
      clock.advance(5_000);
    }
    expect(polls).toEqual([START_MS, START_MS + 10_000, START_MS + 20_000]);
    const pending = await jobRows(store, 'kind = $1 AND state = $2', [kind, 'pending']);
    expect(pending.map((row) => row.run_at_ms)).toEqual([START_MS + 30_000]);
    // Each run is its own exchange.
    const all = await jobRows(store, 'kind = $1', [kind]);
    expect(new Set(all.map((row) => row.correlation_id)).size).toBe(all.length);
  });

  it('retries a failing recurring run in place of the next one, dead-letters it, and goes on', async () => {
    const store = fresh();
    const kind = uniqueKind('failing-poller');
    let attempts = 0;
    const poller = recurring({
      kind,
      everyMs: 60_000,
      async run() {
        attempts += 1;
        throw new Error('host key changed');
      },
    });
    const runner = testRunner(store, clock, [poller]);
    const retry = { max_attempts: 3, backoff_ms_cap: 5_000, jitter: 'full' as const };
    const { id } = await schedule(store, { kind, key: 'sftp', runAt: clock.now(), retry });

    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await runner.runDue()).toMatchObject([{ id, attempt, outcome: 'retry' }]);
      // The next run the attempt scheduled is folded into the retry: one pending job, this one.
      const pending = await jobRows(store, 'kind = $1 AND state = $2', [kind, 'pending']);
      expect(pending.map((row) => row.id)).toEqual([id]);
      clock.advance(5_000);
    }
    expect(await runner.runDue()).toMatchObject([{ id, attempt: 3, outcome: 'dead' }]);
    expect(await jobRow(store, id)).toMatchObject({
      state: 'dead',
      last_error: 'host key changed',
    });
    const next = await jobRows(store, 'kind = $1 AND state = $2', [kind, 'pending']);
    expect(next).toHaveLength(1);
    expect(next[0]?.run_at_ms).toBe(clock.now() + 60_000);
    expect(next[0]?.attempts).toBe(0);
    expect(attempts).toBe(3);
  });

  it('stop() claims nothing more and waits for the running job to finish', async () => {
    const store = fresh();
    const kind = uniqueKind('drain');
    const gate = deferred();
    const started = deferred();
    const runner = testRunner(store, clock, [
      {
        kind,
        async run() {
          started.resolve();
          await gate.promise;
        },
      },
    ]);
    const { id } = await schedule(store, { kind, key: 'a', runAt: clock.now() });
    await schedule(store, { kind, key: 'b', runAt: clock.now() + 1_000 });
    const running = runner.runDue();
    await started.promise;

    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await store.query('SELECT 1'); // a round trip: stop() had every chance to resolve early
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(await running).toMatchObject([{ id, outcome: 'done' }]);
    expect((await jobRow(store, id)).state).toBe('done');
    clock.advance(1_000);
    expect(await runner.runDue()).toEqual([]);
    expect((await jobRows(store, 'kind = $1 AND state = $2', [kind, 'pending'])).length).toBe(1);
  });

  it("stores a failure's message redacted and bounded", async () => {
    const store = fresh();
    const kind = uniqueKind('redact');
    const { handler } = recorder(kind, () => `login refused for s3cr3t-token ${'x'.repeat(5_000)}`);
    const runner = testRunner(store, clock, [handler], {
      redactText: (text) => text.replaceAll('s3cr3t-token', '[REDACTED]'),
    });
    const { id } = await schedule(store, {
      kind,
      key: 'k',
      runAt: clock.now(),
      retry: { max_attempts: 1, backoff_ms_cap: 0, jitter: 'none' },
    });
    await runner.runDue();
    const { last_error: reason } = await jobRow(store, id);
    expect(reason).toMatch(/^login refused for \[REDACTED\] x+…$/);
    expect(reason?.length).toBeLessThanOrEqual(2_001);
  });

  it('reports the backlog: jobs due and not run, and how long the oldest has waited', async () => {
    const store = fresh();
    const kind = uniqueKind('backlog');
    const { registry } = testMetrics(store, clock);
    await schedule(store, { kind, key: 'a', runAt: clock.now() - 90_000 });
    await schedule(store, { kind, key: 'b', runAt: clock.now() - 30_000 });
    await schedule(store, { kind, key: 'c', runAt: clock.now() + 30_000 });
    expect(await metricValue(registry, 'b2b_jobs_backlog', { kind })).toBe(2);
    expect(await metricValue(registry, 'b2b_jobs_oldest_due_seconds', { kind })).toBe(90);
    clock.advance(30_000);
    expect(await metricValue(registry, 'b2b_jobs_backlog', { kind })).toBe(3);
    await testRunner(store, clock, [recorder(kind).handler]).runDue();
    expect(await metricValue(registry, 'b2b_jobs_backlog', { kind })).toBe(0);
  });
});
