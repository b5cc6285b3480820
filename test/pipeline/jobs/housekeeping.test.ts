import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import { HOUSEKEEPING } from '../../../pipeline/jobs/housekeeping.js';
import { pipelineJobs, scheduleStartupJobs } from '../../../pipeline/jobs/index.js';
import { schedule } from '../../../pipeline/jobs/schedule.js';
import { START_MS } from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';
import { jobRows, testRunner, uniqueKind } from './jobsSupport.js';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(ENGINES)('housekeeping on $name', (engine) => {
  let testStore: TestStore;

  beforeAll(async () => {
    testStore = await openTestStore(engine);
  });
  afterAll(async () => {
    await testStore?.dispose();
  });

  it('runs at start, deletes what expired and keeps the rest, then again every hour', async () => {
    const { store } = testStore;
    const clock = new FakeClock(START_MS);
    const now = clock.now();
    // A flood's audit budget: more rows than one delete statement takes.
    await store.query(
      `INSERT INTO audit_budget (source, window_start, refusals, first_refused_at, last_refused_at)
       SELECT '10.0.' || (n / 256) || '.' || (n % 256), $1, 1, $1, $1 FROM generate_series(1, 12000) n`,
      [iso(now - DAY - 60_000)],
    );
    await store.query(
      `INSERT INTO audit_budget (source, window_start, refusals, first_refused_at, last_refused_at)
       VALUES ('192.0.2.1', $1, 3, $1, $1)`,
      [iso(now - HOUR)],
    );
    await store.query(
      `INSERT INTO api_rate_windows (partner_id, client_id, window_start, requests)
       VALUES ('p_001', 'quiet-client', $1, 5), ('p_001', 'busy-client', $2, 9)`,
      [iso(now - 2 * DAY), iso(now - 1_000)],
    );
    await store.query(
      `INSERT INTO api_idempotency (partner_id, idempotency_key, request_sha256, response_status,
                                    response_body, correlation_id, created_at)
       VALUES ('p_001', 'old-key', 'h', 201, '{}', 'c-old', $1),
              ('p_001', 'new-key', 'h', 201, '{}', 'c-new', $2)`,
      [iso(now - DAY - 1), iso(now - HOUR)],
    );
    const finished = uniqueKind('finished');
    const finish = async (key: string, state: 'done' | 'dead', finishedMs: number) => {
      const { id } = await schedule(store, { kind: finished, key, runAt: finishedMs });
      await store.query(`UPDATE jobs SET state = $2, finished_at = $3 WHERE seq = $1`, [
        id,
        state,
        iso(finishedMs),
      ]);
    };
    await finish('done-old', 'done', now - DAY - 1);
    await finish('done-new', 'done', now - HOUR);
    await finish('dead-month-old', 'dead', now - 31 * DAY);
    await finish('dead-week-old', 'dead', now - 7 * DAY);

    // Two workers start: one chain.
    await scheduleStartupJobs(store, clock);
    await scheduleStartupJobs(store, clock);
    const runner = testRunner(store, clock, pipelineJobs());
    expect(await runner.runDue()).toMatchObject([{ kind: HOUSEKEEPING, outcome: 'done' }]);

    const left = await store.query<{ source: string }>('SELECT source FROM audit_budget');
    expect(left.map((row) => row.source)).toEqual(['192.0.2.1']);
    const windows = await store.query<{ client_id: string }>(
      'SELECT client_id FROM api_rate_windows',
    );
    expect(windows.map((row) => row.client_id)).toEqual(['busy-client']);
    const keys = await store.query<{ idempotency_key: string }>(
      'SELECT idempotency_key FROM api_idempotency',
    );
    expect(keys.map((row) => row.idempotency_key)).toEqual(['new-key']);
    const jobs = await jobRows(store, 'kind = $1', [finished]);
    expect(jobs.map((row) => row.key)).toEqual(['done-new', 'dead-week-old']);

    // The next run is an hour on; nothing before.
    const chain = await jobRows(store, 'kind = $1', [HOUSEKEEPING]);
    expect(chain.map((row) => [row.state, row.run_at_ms])).toEqual([
      ['done', now],
      ['pending', now + HOUR],
    ]);
    clock.advance(HOUR - 1);
    expect(await runner.runDue()).toEqual([]);
    clock.advance(1);
    expect(await runner.runDue()).toMatchObject([{ kind: HOUSEKEEPING, outcome: 'done' }]);
    // The fresh window is two hours old now: kept until it is a day old.
    expect(await store.query('SELECT source FROM audit_budget')).toHaveLength(1);
    clock.advance(DAY);
    await runner.runDue();
    expect(await store.query('SELECT source FROM audit_budget')).toHaveLength(0);
  });

  it('skips a table this schema does not have', async () => {
    const { store } = testStore;
    const clock = new FakeClock(START_MS + 10 * DAY);
    await store.exec('ALTER TABLE api_idempotency RENAME TO api_idempotency_elsewhere');
    try {
      await scheduleStartupJobs(store, clock);
      const runner = testRunner(store, clock, pipelineJobs());
      expect(await runner.runDue()).toMatchObject([{ kind: HOUSEKEEPING, outcome: 'done' }]);
    } finally {
      await store.exec('ALTER TABLE api_idempotency_elsewhere RENAME TO api_idempotency');
    }
  });
});
