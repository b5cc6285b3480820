import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { b2bCommand } from '../../lib/projectPaths.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';

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
