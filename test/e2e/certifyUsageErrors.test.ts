import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';

// Bad usage exits 2 with one clear line on stderr before any scenario runs; a selection that
// cannot be made is refused before the evidence folder is even created.

let cli: CliScratch;

beforeAll(async () => {
  cli = await createCliScratch('b2b-e2e-usage-');
});

afterAll(async () => {
  await cli?.dispose();
});

let outs = 0;

/** Runs `b2b certify …` with a fresh --out, and reports whether that folder came to exist. */
async function certifyRefused(args: string[], env?: Record<string, string>) {
  outs += 1;
  const out = join(cli.dir, `out-${outs}`);
  const run = await cli.run(['certify', ...args, '--out', out], {
    env: env ? cli.env(env) : undefined,
  });
  return { ...run, outWritten: existsSync(out) };
}

describe.concurrent('b2b certify: usage errors exit 2, a run that cannot start exits 1', () => {
  it('--partner naming no partner', async ({ expect }) => {
    expect(await certifyRefused(['--partner', 'p_999'])).toEqual({
      code: 2,
      signal: null,
      stdout: '',
      stderr: 'b2b: --partner p_999: no such partner (known: p_001, p_002, p_003)\n',
      outWritten: false,
    });
  });

  it('--partner with no scenario', async ({ expect }) => {
    expect(await certifyRefused(['--partner', 'p_002'])).toMatchObject({
      code: 2,
      stderr: 'b2b: no scenario for partner p_002 (scenarios exist for p_001)\n',
      outWritten: false,
    });
  });

  it('--scenario naming no scenario', async ({ expect }) => {
    expect(await certifyRefused(['--scenario', 'B-002,B-999'])).toMatchObject({
      code: 2,
      stderr: 'b2b: --scenario B-999: no such scenario (see b2b scenarios list)\n',
      outWritten: false,
    });
  });

  it('an unknown option', async ({ expect }) => {
    const run = await certifyRefused(['--parnter', 'p_001']);
    expect(run).toMatchObject({ code: 2, stdout: '', outWritten: false });
    expect(run.stderr.split('\n')[0]).toBe("error: unknown option '--parnter'");
  });

  it('a seed that is not one', async ({ expect }) => {
    const run = await certifyRefused(['--seed', 'seven']);
    expect(run).toMatchObject({ code: 2, outWritten: false });
    expect(run.stderr).toContain(
      "option '--seed <n>' argument 'seven' is invalid. must be an integer from 0 to 4294967295",
    );
  });

  it('--scenarios with a broken file, naming file and line', async ({ expect }) => {
    const folder = join(cli.dir, 'broken-scenarios');
    await mkdir(folder, { recursive: true });
    const file = join(folder, 'B-500.yaml');
    await writeFile(
      file,
      [
        'id: B-500',
        'title: Broken',
        'kind: main',
        'partner: p_001',
        'flow: webhook',
        'expected: Nothing.',
        'steps:',
        '  - id: created',
        '    kind: webhook.post',
        '    title: Not a step kind',
        'oracles:',
        '  - kind: alert.none',
        '    steps: [created]',
        '',
      ].join('\n'),
    );
    const run = await certifyRefused(['--scenarios', folder]);
    expect(run).toMatchObject({ code: 2, stdout: '', outWritten: false });
    expect(run.stderr).toContain(
      `b2b: ${file}:9: /steps/0/kind: "webhook.post" is not a known kind; known: webhook.send, `,
    );
    expect(run.stderr.startsWith(`b2b: ${file}:9: `)).toBe(true);
  });

  it('--sut without the partner secret, naming the variable', async ({ expect }) => {
    const run = await certifyRefused(['--sut', 'http://127.0.0.1:9']);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      'b2b: partner p_001: /webhook/secret_env: set B2B_P_001_WEBHOOK_SECRET to the secret the SUT expects\n',
    );
  });

  it('--sut that does not answer: exit 1, one clear line, no evidence folder left behind', async ({
    expect,
  }) => {
    const run = await certifyRefused(['--sut', 'http://127.0.0.1:9', '--scenario', 'B-002'], {
      B2B_P_001_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'b2b: the system under test at http://127.0.0.1:9 does not answer (ECONNREFUSED)\n',
      outWritten: false,
    });
  });

  it('--out naming a folder that is not empty, which is left as it was', async ({ expect }) => {
    const out = join(cli.dir, 'earlier-run');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'result.json'), '{"earlier":true}\n');
    const run = await cli.run(['certify', '--scenario', 'B-102', '--out', out]);
    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `b2b: evidence folder ${out} is not empty; choose another --out\n`,
    });
    expect(await readdir(out)).toEqual(['result.json']);
  });
});
