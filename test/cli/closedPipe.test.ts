import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { b2bCommand } from '../../lib/projectPaths.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';

// `b2b … | head -1`: when whoever reads the output goes away, b2b ends quietly with its own
// exit code, not with an EPIPE stack trace. The reading end is closed before the child has even
// loaded, so every write it makes meets a closed pipe.

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-cli-pipe-');
});

afterAll(async () => {
  await cli?.dispose();
});

/** Runs b2b with the reading end of `closed` shut from the start; collects the other stream. */
function runIntoClosedPipe(args: string[], closed: 'stdout' | 'stderr') {
  const command = b2bCommand();
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; other: string }>(
    (resolve, reject) => {
      const child = spawn(command.executable, [...command.args, ...args], {
        cwd: cli.dir,
        env: cli.env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child[closed].destroy();
      let other = '';
      child[closed === 'stdout' ? 'stderr' : 'stdout']
        .setEncoding('utf8')
        .on('data', (chunk: string) => (other += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, other });
      });
    },
  );
}

describe.concurrent('output into a closed pipe', () => {
  it.for([
    [['--help'], 0],
    [['certify', '--help'], 0],
    [['scenarios', 'list'], 0],
    [['scenarios', 'list', '--json'], 0],
    [['scenarios', 'validate'], 0],
  ] as const)(
    'b2b %j | (closed): exits %d, nothing on stderr',
    async ([args, code], { expect }) => {
      expect(await runIntoClosedPipe([...args], 'stdout')).toEqual({
        code,
        signal: null,
        other: '',
      });
    },
  );

  it('a usage error into a closed stderr still exits 2', async ({ expect }) => {
    expect(await runIntoClosedPipe(['certify', '--seed', 'seven'], 'stderr')).toEqual({
      code: 2,
      signal: null,
      other: '',
    });
  });
});
