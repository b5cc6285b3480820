import { randomBytes } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { parsePrometheusText, sumMatching } from '../../harness/sut/metricsSnapshot.js';
import { projectPath } from '../../lib/projectPaths.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';
import {
  dropPostgresSchema,
  forEachConcurrently,
  killPid,
  orderCreatedBody,
  postDelivery,
  servePipeline,
  spawnPipeline,
  type DeliveryAnswer,
  type SignedDelivery,
  type ServedPipeline,
} from '../support/servedPipeline.js';
import { ENGINES, uniqueSchemaName } from '../support/stores.js';

/**
 * `b2b pipeline serve --workers 2` with workers dying under it: killed while a /metrics scrape
 * waits on them, killed in the middle of deliveries, unable to start. The supervisor must outlive
 * all of it, replace what died, and stop with the reason when restarting cannot help.
 */

/**
 * Each start of a worker (the first two, and every replacement) loads the CLI in a new process;
 * on a busy machine that is seconds each, and these tests wait for several.
 */
const CLUSTER_TEST_TIMEOUT_MS = 150_000;

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-worker-cluster-');
});

afterAll(async () => {
  await cli?.dispose();
});

interface Scrape {
  status: number;
  text: string;
}

/**
 * GET /metrics on a connection of its own, so scrapes spread over the workers the way separate
 * Prometheus scrapes do. Rejects when the connection breaks (the worker serving it died).
 */
function scrape(url: string, signal?: AbortSignal): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const options = { agent: false, timeout: 20_000, signal };
    const request = get(`${url}/metrics`, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('scrape timed out')));
    request.on('error', reject);
  });
}

/** Asserts that the text is Prometheus exposition, every line of it, with the pipeline's series. */
function expectPrometheusText(text: string): void {
  const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( \d+)?$/;
  const comment = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/;
  const bad = text
    .split('\n')
    .filter((line) => line !== '' && !comment.test(line) && !sample.test(line));
  expect(bad).toEqual([]);
  expect(text).toContain('# TYPE b2b_webhook_deliveries_total counter');
  expect(text).toContain('# TYPE b2b_webhook_inbox_events gauge');
}

/** Waits for a settled promise among `promises` until `count` have settled. */
async function settled<T>(
  promises: Promise<T>[],
  count: number,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = [];
  await new Promise<void>((resolve) => {
    for (const promise of promises) {
      promise
        .then(
          (value) => results.push({ status: 'fulfilled', value }),
          (reason: unknown) => results.push({ status: 'rejected', reason }),
        )
        .finally(() => {
          if (results.length === count) resolve();
        });
    }
  });
  return results.slice(0, count);
}

function alive(served: Pick<ServedPipeline, 'child'>): boolean {
  return served.child.exitCode === null && served.child.signalCode === null;
}

/** A port nothing listens on (taken from the kernel, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('b2b pipeline serve --workers, a worker that cannot start', () => {
  it('stops the pipeline with the worker’s reason instead of waiting on it', async () => {
    // No PostgreSQL needed: nothing listens where DATABASE_URL points.
    const served = spawnPipeline({
      cwd: cli.dir,
      env: cli.env({
        B2B_P_001_WEBHOOK_SECRET: generateWebhookSecret(),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
      }),
      args: ['--workers', '2'],
    });
    try {
      const { code } = await served.exited;
      expect(code).toBe(1);
      expect(served.stderr().trim().split('\n').at(-1)).toMatch(
        /^b2b: a pipeline worker exited before listening \(exit code 1\): .*ECONNREFUSED 127\.0\.0\.1:\d+$/,
      );
      expect(served.log.some((line) => line.msg === 'pipeline listening')).toBe(false);
    } finally {
      served.child.kill('SIGKILL');
      await served.exited;
    }
  });
});

// PostgreSQL only: runs when DATABASE_URL is set (CI sets it when a server answers).
describe.each(ENGINES.filter((engine) => engine.name === 'postgres'))(
  'b2b pipeline serve --workers 2 on $name, workers dying',
  ({ databaseUrl }) => {
    const url = databaseUrl as string;
    const schemas: string[] = [];
    const running: ServedPipeline[] = [];

    afterAll(async () => {
      for (const served of running) {
        // A test that failed half-way may leave a supervisor with workers (perhaps stopped);
        // a supervisor that exited took its workers with it, and their pids may be reused.
        if (alive(served)) for (const pid of served.liveWorkerPids()) killPid(pid, 'SIGKILL');
        served.child.kill('SIGKILL');
        await served.exited;
      }
      await Promise.all(schemas.map((schema) => dropPostgresSchema(url, schema)));
    });

    async function startCluster(options: { args?: string[] } = {}) {
      const schema = uniqueSchemaName();
      schemas.push(schema);
      const secret = generateWebhookSecret();
      const served = await servePipeline({
        cwd: cli.dir,
        env: cli.env({
          B2B_P_001_WEBHOOK_SECRET: secret,
          DATABASE_URL: url,
          DATABASE_SCHEMA: schema,
        }),
        args: ['--workers', '2', ...(options.args ?? [])],
      });
      running.push(served);
      // 'pipeline listening' comes from the supervisor; each worker's own line may trail it.
      await served.until(() => served.liveWorkerPids().length === 2);
      const events = (prefix: string, count: number) =>
        Array.from({ length: count }, (_, index) => {
          const eventId = `evt-${schema}-${prefix}-${index}`;
          return {
            eventId,
            body: orderCreatedBody(eventId, `ORD-${schema}-${prefix}-${index}`, 100 + index),
          };
        });
      return { served, schema, secret, events };
    }

    async function inboxCounts(schema: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const inbox = await client.query<{ events: string }>(
          `SELECT count(*) AS events FROM ${schema}.webhook_inbox WHERE partner_id = 'p_001'`,
        );
        const processedTwice = await client.query(
          `SELECT event_id FROM ${schema}.webhook_deliveries WHERE outcome = 'processed'
            GROUP BY event_id HAVING count(*) <> 1`,
        );
        return { events: Number(inbox.rows[0]?.events), processedTwice: processedTwice.rowCount };
      } finally {
        await client.end();
      }
    }

    it(
      'answers a scrape without a silent worker’s share, and one in flight when that worker dies',
      async () => {
        const { served, secret, events } = await startCluster();
        const first = events('first', 20);
        for (const answer of await Promise.all(
          first.map((event) => postDelivery(served.url, secret, event)),
        ))
          expect(answer.status).toBe(200);

        const [silent, other] = served.liveWorkerPids() as [number, number];
        killPid(silent, 'SIGSTOP');
        // The round robin hands the stopped worker at most one connection, which it never takes up;
        // the others reach the live worker, whose scrape the supervisor answers once the silent
        // worker's short time to answer is up.
        const abandon = new AbortController();
        const whileSilent = Array.from({ length: 3 }, () => scrape(served.url, abandon.signal));
        for (const result of await settled(whileSilent, 2)) {
          expect(result.status).toBe('fulfilled');
          const { status, text } = (result as PromiseFulfilledResult<Scrape>).value;
          expect(status).toBe(200);
          expectPrometheusText(text);
          // The inbox gauge is read from the database by whichever worker answers.
          expect(
            sumMatching(parsePrometheusText(text), 'b2b_webhook_inbox_events', {
              partner_id: 'p_001',
            }),
          ).toBe(20);
          const counted = sumMatching(parsePrometheusText(text), 'b2b_webhook_deliveries_total', {
            partner_id: 'p_001',
          });
          expect(counted).toBeLessThanOrEqual(20);
        }

        // Scrapes in flight as the silent worker is killed: the supervisor has asked it for its
        // share, or is about to; either way they are answered, without it.
        const whileDying = [scrape(served.url), scrape(served.url)];
        killPid(silent, 'SIGKILL');
        for (const result of await Promise.allSettled(whileDying)) {
          expect(result.status).toBe('fulfilled');
          expect((result as PromiseFulfilledResult<Scrape>).value.status).toBe(200);
          expectPrometheusText((result as PromiseFulfilledResult<Scrape>).value.text);
        }
        // The connection handed to the stopped worker is never answered: the worker died before
        // taking it, and Node's round robin keeps such a connection open (the client's timeout
        // ends it). Nothing the pipeline can do; the client gives up on it here.
        abandon.abort();
        await Promise.allSettled(whileSilent);

        const replaced = await served.until((line) => line.msg === 'pipeline worker replaced');
        expect(alive(served)).toBe(true);
        await served.until(() => served.liveWorkerPids().length === 2);
        expect(served.liveWorkerPids()).toContain(other);
        expect(served.liveWorkerPids()).not.toContain(silent);
        expect(served.liveWorkerPids()).toContain(replaced.worker);

        const after = await scrape(served.url);
        expect(after.status).toBe(200);
        expectPrometheusText(after.text);
        for (const event of events('after', 5))
          expect((await postDelivery(served.url, secret, event)).status).toBe(200);

        expect(await served.stop()).toEqual({ code: 0, signal: null });
      },
      CLUSTER_TEST_TIMEOUT_MS,
    );

    it(
      'keeps answering deliveries and scrapes while workers are killed under them',
      async () => {
        const { served, schema, secret, events } = await startCluster();
        const [first, second] = served.liveWorkerPids() as [number, number];
        const answers = new Map<string, DeliveryAnswer>();
        let streaming = true;
        let streamed = () => {};
        const streamEnded = new Promise<void>((resolve) => (streamed = resolve));
        const replacements = () =>
          served.log.filter((line) => line.msg === 'pipeline worker replaced').length;
        /** Waits, on the log, for a worker to listen after the `seen`th replacement. */
        const replacementAfter = (seen: number) => served.until(() => replacements() > seen);

        // Scrapes all along, so some are always waiting on the worker that gets killed. One that
        // breaks with its worker waits for the replacement (the port may be shut until then).
        const scrapes: (Scrape | Error)[] = [];
        const scraping = Array.from({ length: 3 }, async () => {
          while (streaming) {
            const seen = replacements();
            const result = await scrape(served.url).catch((error: Error) => error);
            scrapes.push(result);
            if (!(result instanceof Error)) continue;
            // Unless no replacement is coming (the pipeline is gone: the checks below tell).
            const waited = Promise.race([replacementAfter(seen), streamEnded]);
            const pipelineGone = await waited.then(
              () => false,
              () => true,
            );
            if (pipelineGone) return;
          }
        });

        /** Streams `batch`, 16 at a time, and runs `kill` on its `killAfter`th acknowledgment. */
        const stream = async (batch: SignedDelivery[], killAfter: number, kill: () => void) => {
          let acknowledged = 0;
          await forEachConcurrently(batch, 16, async (event) => {
            // A delivery whose worker died gets no answer; the partner sends it again. While no
            // worker listens the port is shut; then it waits for one.
            for (let attempt = 1; ; attempt++) {
              const seen = replacements();
              try {
                answers.set(event.eventId, await postDelivery(served.url, secret, event));
                break;
              } catch (error) {
                if (attempt === 50) throw error;
                const refused =
                  (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
                if (refused) await replacementAfter(seen);
              }
            }
            acknowledged += 1;
            if (acknowledged === killAfter) kill();
          });
        };

        try {
          // Kills at set points of the stream (acknowledgments), not at set times. First one
          // worker, while the other serves on.
          await stream(events('one', 300), 150, () => killPid(first, 'SIGKILL'));
          await served.until(
            () => served.liveWorkerPids().length === 2 && !served.liveWorkerPids().includes(first),
          );
          // Then every live worker at once, which shuts the port until a replacement listens.
          await stream(events('all', 300), 150, () => {
            for (const pid of served.liveWorkerPids()) killPid(pid, 'SIGKILL');
          });
        } finally {
          streaming = false;
          streamed();
        }
        await Promise.all(scraping);

        expect(alive(served)).toBe(true);
        const outcomes = [...answers.values()].map(
          (answer) => `${answer.status} ${answer.outcome}`,
        );
        expect(
          outcomes.filter((outcome) => outcome !== '200 processed' && outcome !== '200 replayed'),
        ).toEqual([]);
        expect(answers.size).toBe(600);

        // Scrapes served by a dying worker break with it; every other one answers, in full.
        const answered = scrapes.filter((one): one is Scrape => !(one instanceof Error));
        expect(answered.filter((one) => one.status !== 200).map((one) => one.status)).toEqual([]);
        for (const one of answered) expectPrometheusText(one.text);
        expect(answered.length).toBeGreaterThan(0);

        // Three killed, three replaced, on the port the pipeline announced.
        await served.until(() => replacements() === 3);
        await served.until(() => served.liveWorkerPids().length === 2);
        expect(served.liveWorkerPids()).not.toContain(first);
        expect(served.liveWorkerPids()).not.toContain(second);
        for (const line of served.log.filter((one) => one.msg === 'pipeline worker listening'))
          expect(line.url).toBe(served.url);

        // Exactly once: every event in the inbox, each processed by one delivery only.
        expect(await inboxCounts(schema)).toEqual({ events: 600, processedTwice: 0 });
        const final = await scrape(served.url);
        expect(final.status).toBe(200);
        expect(
          sumMatching(parsePrometheusText(final.text), 'b2b_webhook_inbox_events', {
            partner_id: 'p_001',
          }),
        ).toBe(600);

        expect(await served.stop()).toEqual({ code: 0, signal: null });
      },
      CLUSTER_TEST_TIMEOUT_MS,
    );

    it(
      'tries a replacement that cannot start again, then stops with its reason',
      async () => {
        // A partner profile edited into something invalid after the pipeline started: every new
        // worker reads it, and restarting cannot help.
        const partners = join(cli.dir, `partners-${randomBytes(4).toString('hex')}`);
        await cp(projectPath('partners'), partners, { recursive: true });
        const { served } = await startCluster({ args: ['--partners', partners] });
        const profile = join(partners, 'p_001-acme-retail.yaml');
        await writeFile(
          profile,
          (await readFile(profile, 'utf8')).replace('window_s: 600', 'window_s: soon'),
        );

        const [victim, survivor] = served.liveWorkerPids() as [number, number];
        killPid(victim, 'SIGKILL');
        await served.until(
          (line) =>
            line.msg === 'pipeline worker replacement exited before listening; trying again',
        );
        // Meanwhile the surviving worker still serves.
        expect((await fetch(`${served.url}/healthz`)).status).toBe(200);

        const { code } = await served.exited;
        expect(code).toBe(1);
        const escaped = profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        expect(served.stderr().trim().split('\n').at(-1)).toMatch(
          new RegExp(
            `^b2b: pipeline workers cannot be restarted: 4 replacements in a row exited before listening; the last \\(exit code 2\\): ${escaped}:\\d+: /webhook/window_s: must be integer$`,
          ),
        );
        expect(
          served.log.filter(
            (line) =>
              line.msg === 'pipeline worker replacement exited before listening; trying again',
          ),
        ).toHaveLength(3);
        // The surviving worker was stopped with the pipeline, not left behind.
        expect(() => process.kill(survivor, 0)).toThrow();
      },
      CLUSTER_TEST_TIMEOUT_MS,
    );
  },
);
