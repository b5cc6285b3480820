import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { signXSignature } from '../../contracts/signatures/xSignature.js';
import { parsePrometheusText, sumMatching } from '../../harness/sut/metricsSnapshot.js';
import { b2bCommand } from '../../lib/projectPaths.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';
import { ENGINES } from '../support/stores.js';

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-cli-pipeline-');
});

afterAll(async () => {
  await cli?.dispose();
});

/** The JSON lines a child prints, as they come; `until` resolves with the first that matches. */
function jsonLines(child: ChildProcess) {
  const seen: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (raw) => {
    try {
      seen.push(JSON.parse(raw) as Record<string, unknown>);
    } catch {
      seen.push({ msg: raw });
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    seen,
    /** The first line matching, or a rejection once the child exits or the deadline passes. */
    async until(
      predicate: (line: Record<string, unknown>) => boolean,
      timeoutMs: number,
    ): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find(predicate);
        if (found) return found;
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no such line; seen: ${JSON.stringify(seen)}`);
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          closed,
          new Promise<void>((resolve) => setTimeout(resolve, deadline - Date.now()).unref()),
        ]);
      }
    },
  };
}

describe('b2b pipeline serve', () => {
  it('exits 2 naming the variable when a partner secret is missing, and serves nothing', async () => {
    const { code, stdout, stderr } = await cli.run([
      'pipeline',
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(cli.dir, 'never'),
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(existsSync(join(cli.dir, 'never'))).toBe(false);
    expect(stderr).toBe(
      'b2b: partner p_001: /webhook/secret_env: environment variable B2B_P_001_WEBHOOK_SECRET is not set\n',
    );
  });

  it('serves on an ephemeral loopback port, guards /ops with the token, stops on SIGTERM', async () => {
    const command = b2bCommand();
    const opsToken = 'serve-test-ops-token-0123456789';
    const child = spawn(
      command.executable,
      [
        ...command.args,
        'pipeline',
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        join(cli.dir, 'pglite'),
      ],
      {
        cwd: cli.dir,
        env: cli.env({
          B2B_P_001_WEBHOOK_SECRET: generateWebhookSecret(),
          B2B_OPS_TOKEN: opsToken,
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      const log = jsonLines(child);
      const listening = await log.until((line) => line.msg === 'pipeline listening', 60_000);
      expect(listening).toMatchObject({ engine: 'pglite', partners: ['p_001', 'p_002', 'p_003'] });
      const url = String(listening.url);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/ops/partners`)).status).toBe(401);
      const partners = await fetch(`${url}/ops/partners`, {
        headers: { authorization: `Bearer ${opsToken}` },
      });
      expect(partners.status).toBe(200);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(log.seen.some((line) => line.msg === 'pipeline stopping')).toBe(true);
      expect(JSON.stringify(log.seen)).not.toContain(opsToken);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('b2b pipeline serve --workers', () => {
  it('refuses several workers on the embedded database, which lives in one process', async () => {
    const { code, stderr } = await cli.run(['pipeline', 'serve', '--port', '0', '--workers', '2'], {
      env: cli.env({ B2B_P_001_WEBHOOK_SECRET: generateWebhookSecret() }),
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'b2b: --workers above 1 needs DATABASE_URL: the embedded PGlite database lives in one process\n',
    );
  });

  // PostgreSQL only: runs when DATABASE_URL is set (CI sets it when a server answers).
  const postgres = ENGINES.filter((engine) => engine.name === 'postgres');
  it.each(postgres)(
    'shares one port between two workers on $name, sums /metrics across them, stops on SIGTERM',
    async ({ databaseUrl }) => {
      const schema = `test_cluster_${randomBytes(4).toString('hex')}`;
      const secret = generateWebhookSecret();
      const command = b2bCommand();
      const child = spawn(
        command.executable,
        [...command.args, 'pipeline', 'serve', '--port', '0', '--workers', '2'],
        {
          cwd: cli.dir,
          env: cli.env({
            B2B_P_001_WEBHOOK_SECRET: secret,
            DATABASE_URL: databaseUrl as string,
            DATABASE_SCHEMA: schema,
          }),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      try {
        const log = jsonLines(child);
        const listening = await log.until((line) => line.msg === 'pipeline listening', 60_000);
        expect(listening).toMatchObject({ engine: 'postgres', workers: 2 });
        const url = String(listening.url);

        const events = 20;
        const answers = await Promise.all(
          Array.from({ length: events }, async (_, index) => {
            const stamp = new Date().toISOString();
            const body = JSON.stringify({
              event_id: `evt-cluster-${schema}-${index}`,
              type: 'order.created',
              occurred_at: stamp,
              data: {
                order: {
                  OrderNumber: `ORD-cluster-${schema}-${index}`,
                  TotalGross: 100 + index,
                  CurrencyCode: 'EUR',
                  LastModified: stamp,
                },
              },
            });
            const response = await fetch(`${url}/webhooks/p_001`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'x-signature': signXSignature(secret, Math.floor(Date.now() / 1000), body),
              },
              body,
            });
            return response.status;
          }),
        );
        expect(answers).toEqual(Array.from({ length: events }, () => 200));

        // Whichever worker answers the scrape, the counters are the whole pipeline's.
        for (let scrape = 0; scrape < 4; scrape++) {
          const metrics = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
          expect(
            sumMatching(metrics, 'b2b_webhook_deliveries_total', {
              partner_id: 'p_001',
              outcome: 'processed',
            }),
          ).toBe(events);
          expect(sumMatching(metrics, 'b2b_webhook_inbox_events', { partner_id: 'p_001' })).toBe(
            events,
          );
        }

        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    },
  );
});
