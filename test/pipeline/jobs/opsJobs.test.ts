import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.js';
import { silentLogger } from '../../../lib/logger.js';
import { HOUSEKEEPING } from '../../../pipeline/jobs/housekeeping.js';
import { schedule } from '../../../pipeline/jobs/schedule.js';
import type { JobRecord } from '../../../pipeline/ops/opsRecords.js';
import { resolvePartnerSecrets } from '../../../pipeline/partnerSecrets.js';
import { startPipelineServer, type RunningPipeline } from '../../../pipeline/server.js';
import {
  asErrorBody,
  loadTestProfiles,
  START_MS,
  startPipelineUnderTest,
  type PipelineUnderTest,
} from '../../support/pipelineUnderTest.js';
import { ENGINES, openTestStore, type TestStore } from '../../support/stores.js';
import { uniqueKind } from './jobsSupport.js';

const OPS_TOKEN = 'ops-token-for-jobs-tests-0123456789';
const auth = { authorization: `Bearer ${OPS_TOKEN}` };

interface JobPage {
  items: JobRecord[];
  next_cursor: string | null;
}

describe.each(ENGINES)('GET /ops/jobs on $name', (engine) => {
  let sut: PipelineUnderTest;

  beforeAll(async () => {
    sut = await startPipelineUnderTest(engine, { opsToken: OPS_TOKEN });
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('lists jobs newest first with partner and correlation id, by state and kind, page by page', async () => {
    const kind = uniqueKind('ops');
    const ids: number[] = [];
    for (let n = 0; n < 7; n++) {
      const { id } = await schedule(sut.store, {
        kind,
        partnerId: n % 2 === 0 ? 'p_002' : null,
        key: `file-${n}`,
        runAt: sut.clock.now() + n * 1_000,
        payload: { file: `inventory_${n}.csv` },
        correlationId: `corr-${n}`,
        now: sut.clock.now(),
      });
      ids.push(id);
    }
    await sut.store.query(
      `UPDATE jobs SET state = 'dead', last_error = 'checksum mismatch', finished_at = $2 WHERE seq = $1`,
      [ids[3], new Date(sut.clock.now()).toISOString()],
    );

    const seen: JobRecord[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const answer = await sut.get(
        `/ops/jobs?kind=${encodeURIComponent(kind)}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        auth,
      );
      expect(answer.status).toBe(200);
      const page = answer.json as JobPage;
      seen.push(...page.items);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(seen.map((job) => job.id)).toEqual([...ids].reverse());
    expect(seen.at(-1)).toEqual({
      id: ids[0],
      kind,
      partner_id: 'p_002',
      key: 'file-0',
      state: 'pending',
      run_at: new Date(START_MS).toISOString(),
      attempts: 0,
      max_attempts: 5,
      last_error: null,
      locked_by: null,
      locked_until: null,
      correlation_id: 'corr-0',
      created_at: new Date(START_MS).toISOString(),
      finished_at: null,
      payload: { file: 'inventory_0.csv' },
    });
    expect(seen.find((job) => job.id === ids[1])?.partner_id).toBeNull();

    const dead = (await sut.get(`/ops/jobs?state=dead&kind=${encodeURIComponent(kind)}`, auth))
      .json as JobPage;
    expect(dead.items.map((job) => [job.id, job.last_error])).toEqual([
      [ids[3], 'checksum mismatch'],
    ]);
    const byPartner = (
      await sut.get(
        `/ops/jobs?kind=${encodeURIComponent(kind)}&partner_id=p_002&state=pending`,
        auth,
      )
    ).json as JobPage;
    expect(byPartner.items.map((job) => job.key)).toEqual(['file-6', 'file-4', 'file-2', 'file-0']);
    const byCorrelation = (await sut.get(`/ops/jobs?correlation_id=corr-5`, auth)).json as JobPage;
    expect(byCorrelation.items.map((job) => job.id)).toEqual([ids[5]]);
  });

  it('refuses a state that does not exist, naming it', async () => {
    const answer = await sut.get('/ops/jobs?state=stuck', auth);
    expect(answer.status).toBe(400);
    expect(asErrorBody(answer.json).error.details).toEqual([
      { field: 'state', reason: 'state must be one of pending, running, done, dead' },
    ]);
  });

  it('is behind the ops token like the rest of /ops', async () => {
    expect((await sut.get('/ops/jobs')).status).toBe(401);
  });
});

describe.each(ENGINES)('the pipeline server runs background jobs on $name', (engine) => {
  let testStore: TestStore | undefined;
  let running: RunningPipeline;
  const clock = new FakeClock(START_MS);

  beforeAll(async () => {
    // PostgreSQL: a schema of its own; PGlite: the server's own in-memory database.
    testStore = engine.databaseUrl ? await openTestStore(engine) : undefined;
    const profiles = await loadTestProfiles();
    running = await startPipelineServer({
      host: '127.0.0.1',
      port: 0,
      store: engine.databaseUrl
        ? { databaseUrl: engine.databaseUrl, schema: testStore?.schema }
        : {},
      profiles,
      secrets: resolvePartnerSecrets(profiles, { B2B_P_001_WEBHOOK_SECRET: 'whsec_unused' }),
      logger: silentLogger(),
      clock,
      opsToken: OPS_TOKEN,
    });
  });
  afterAll(async () => {
    await running?.close();
    await testStore?.dispose();
  });

  const get = async (path: string) => {
    const response = await fetch(`${running.url}${path}`, { headers: auth });
    return { status: response.status, text: await response.text() };
  };

  it('starts housekeeping once listening, shows it in /ops/jobs and /metrics, and stops cleanly', async () => {
    // start() looked for due work at once; idle() waits for that look and what it ran.
    await running.jobs.idle();
    const answer = await get(`/ops/jobs?kind=${HOUSEKEEPING}`);
    expect(answer.status).toBe(200);
    const { items } = JSON.parse(answer.text) as JobPage;
    expect(items.map((job) => [job.state, job.run_at, job.partner_id])).toEqual([
      ['pending', new Date(START_MS + 60 * 60_000).toISOString(), null],
      ['done', new Date(START_MS).toISOString(), null],
    ]);
    expect(items.every((job) => job.correlation_id.length > 0)).toBe(true);

    // Work no worker here runs is backlog, and /metrics says how much and how old.
    await schedule(running.store, { kind: 'test.unhandled', key: 'k', runAt: START_MS - 30_000 });
    const metrics = (await get('/metrics')).text;
    expect(metrics).toContain(`b2b_jobs_run_total{kind="${HOUSEKEEPING}"} 1`);
    expect(metrics).toContain('b2b_jobs_backlog{kind="test.unhandled"} 1');
    expect(metrics).toContain('b2b_jobs_oldest_due_seconds{kind="test.unhandled"} 30');

    await running.close();
    expect(running.jobs.running).toBe(0);
  });
});
