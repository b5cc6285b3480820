import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ORACLE_KINDS, STEP_KINDS } from '../../harness/flows/index.js';
import { projectPath } from '../../lib/projectPaths.js';
import { WEBHOOK_FAULTS } from '../../simulators/webhook/faults/index.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';

let cli: CliScratch;
let repoIds: string[];

beforeAll(async () => {
  cli = await createCliScratch('b2b-cli-scenarios-');
  repoIds = (await readdir(projectPath('scenarios')))
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.replace(/\.yaml$/, ''));
});

afterAll(async () => {
  await cli?.dispose();
});

describe.concurrent('b2b scenarios list', () => {
  it('prints one row per scenario, then the step, oracle and fault vocabularies', async ({
    expect,
  }) => {
    const { code, stdout, stderr } = await cli.run(['scenarios', 'list']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.split('\n');
    for (const id of repoIds)
      expect(lines.some((line) => line.startsWith(`${id.padEnd(10)} `))).toBe(true);
    expect(lines.find((line) => line.startsWith('B-102 '))).toMatch(
      /^B-102\s+exception\s+p_001\s+webhook\s+Tampered webhook body is refused/,
    );
    const section = (title: string) => {
      const start = lines.indexOf(title);
      const end = lines.indexOf('', start);
      return lines.slice(start + 1, end === -1 ? undefined : end).map((line) => line.trim());
    };
    expect(section('step kinds:').map((line) => line.split(/\s+/)[0])).toEqual([
      ...STEP_KINDS.keys(),
    ]);
    expect(section('oracle kinds:').map((line) => line.split(/\s+/)[0])).toEqual([
      ...ORACLE_KINDS.keys(),
    ]);
    expect(section('webhook faults:').map((line) => line.split(/\s+/)[0])).toEqual(
      Object.keys(WEBHOOK_FAULTS),
    );
  });

  it('--json prints the same as one JSON document', async ({ expect }) => {
    const { code, stdout } = await cli.run(['scenarios', 'list', '--json']);
    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as {
      scenarios: { id: string; kind: string; partner: string; flow: string; title: string }[];
      step_kinds: { kind: string; summary: string }[];
      oracle_kinds: { kind: string; summary: string }[];
      webhook_faults: { name: string; summary: string }[];
    };
    expect(listed.scenarios.map((scenario) => scenario.id).sort()).toEqual([...repoIds].sort());
    expect(listed.scenarios.find((scenario) => scenario.id === 'B-002')).toEqual({
      id: 'B-002',
      kind: 'alt',
      partner: 'p_001',
      flow: 'webhook',
      title: 'Webhook order.created, then a replay of the same event',
    });
    expect(listed.step_kinds.map((step) => step.kind)).toEqual([...STEP_KINDS.keys()]);
    expect(listed.oracle_kinds.map((oracle) => oracle.kind)).toEqual([...ORACLE_KINDS.keys()]);
    expect(listed.webhook_faults.map((fault) => fault.name)).toEqual(Object.keys(WEBHOOK_FAULTS));
  });
});

describe.concurrent('b2b scenarios validate', () => {
  it("exits 0 for the repository's scenarios", async ({ expect }) => {
    const { code, stdout } = await cli.run(['scenarios', 'validate']);
    expect(code).toBe(0);
    expect(stdout).toBe(`ok: ${repoIds.length} scenarios valid\n`);
  });

  it('exits 1 for a bad file, one file:line: path: reason line per problem', async ({ expect }) => {
    const file = join(cli.dir, 'B-777.yaml');
    await writeFile(
      file,
      [
        'id: B-777',
        'title: A broken scenario',
        'kind: exception',
        'partner: p_001',
        'flow: webhook',
        'expected: Nothing good.',
        'steps:',
        '  - id: created',
        '    kind: webhook.send',
        '    title: Acme sends order.created',
        '    events:',
        '      - { ref: e1, type: order.created, order: o1 }',
        '    faults:',
        '      - { name: gremlins }',
        'oracles:',
        '  - kind: delivery.response',
        '    step: created',
        '    expect: { status: 200 }',
        '    extra: true',
        '',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await cli.run(['scenarios', 'validate', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const [fault, field, ...more] = stderr.trim().split('\n');
    expect(more).toEqual([]);
    expect(fault).toContain(`${file}:14: /steps/0/faults/0/name: "gremlins" is not a known name;`);
    expect(fault).toContain('known: duplicate, replay, delay, tamperBody');
    expect(field).toBe(`${file}:19: /oracles/0/extra: is not a known field`);
  });
});

/** A folder of its own under the scratch folder, holding the given files. */
async function scenarioFolder(name: string, files: Record<string, string>): Promise<string> {
  const folder = join(cli.dir, name);
  await mkdir(folder, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(folder, file), text);
  return folder;
}

/** The repository's B-102 (tampered body, refused), under another id and file name. */
async function b102As(id: string): Promise<string> {
  const text = await readFile(projectPath('scenarios', 'B-102.yaml'), 'utf8');
  return text.replace(/^id: B-102$/m, `id: ${id}`);
}

describe.concurrent('b2b scenarios validate: schema and references in one run', () => {
  it('reports schema errors and broken references of a file together, top to bottom', async ({
    expect,
  }) => {
    const folder = await scenarioFolder('mixed-problems', {
      'acme-mixed.yaml': [
        'id: acme-mixed',
        'title: Schema errors and broken references at once',
        'kind: exception',
        'partner: p_404',
        'flow: webhook',
        'expected: Every problem, in one run.',
        'steps:',
        '  - id: created',
        '    kind: webhook.send',
        '    title: Acme sends order.created',
        '    events:',
        '      - { ref: e1, type: order.created, order: o1 }',
        '    faults:',
        '      - { name: gremlins }',
        'oracles:',
        '  - kind: delivery.response',
        '    step: cretaed',
        '    expect: { status: 200 }',
        '  - kind: inbox.exactlyOnce',
        '    events: [e9]',
        '',
      ].join('\n'),
    });
    const file = join(folder, 'acme-mixed.yaml');
    const { code, stdout, stderr } = await cli.run(['scenarios', 'validate', file]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(
      `${file}:4: /partner: no partner profile p_404 (known: p_001, p_002, p_003)`,
    );
    expect(lines[1]).toMatch(
      new RegExp(`^${file}:14: /steps/0/faults/0/name: "gremlins" is not a known name;`),
    );
    expect(lines[2]).toBe(
      `${file}:17: /oracles/0/step: step "cretaed" is not a step of this scenario`,
    );
    expect(lines[3]).toBe(`${file}:20: /oracles/1/events/0: event "e9" is not sent by any step`);
  });

  it('reports every file of a folder: schema errors, references, duplicate ids, unreadable files', async ({
    expect,
  }) => {
    const missing = join(cli.dir, 'no-such-scenario.yaml');
    const folder = await scenarioFolder('folder-problems', {
      'acme-ok.yaml': await b102As('acme-ok'),
      'acme-renamed.yaml': await b102As('acme-ok'),
      'Globex.smoke.yaml': await b102As('Globex.smoke'),
    });
    const { code, stderr } = await cli.run([
      'scenarios',
      'validate',
      join(folder, 'acme-ok.yaml'),
      join(folder, 'acme-renamed.yaml'),
      join(folder, 'Globex.smoke.yaml'),
      missing,
    ]);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toEqual([
      `${join(folder, 'acme-renamed.yaml')}:1: /id: file must be named acme-ok.yaml`,
      `${join(folder, 'acme-renamed.yaml')}:1: /id: acme-ok is also defined in ${join(folder, 'acme-ok.yaml')}`,
      `${join(folder, 'Globex.smoke.yaml')}:1: /id: must match pattern "^[A-Za-z][A-Za-z0-9_-]{0,47}$"`,
      `${missing}: cannot be read (ENOENT)`,
    ]);
  });

  it("accepts a team's own ids, and lists them in a column wide enough", async ({ expect }) => {
    const folder = await scenarioFolder('team-ids', {
      'acme-tampered_body.yaml': await b102As('acme-tampered_body'),
      'Acme-Golive-Signature-Check-2026.yaml': await b102As('Acme-Golive-Signature-Check-2026'),
    });
    const validated = await cli.run(['scenarios', 'validate', '--scenarios', folder]);
    expect(validated).toMatchObject({ code: 0, stdout: 'ok: 2 scenarios valid\n', stderr: '' });
    const listed = await cli.run(['scenarios', 'list', '--scenarios', folder]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n').slice(0, 2)).toEqual([
      'Acme-Golive-Signature-Check-2026 exception p_001  webhook  Tampered webhook body is refused with 401, nothing processed, alert fired',
      'acme-tampered_body               exception p_001  webhook  Tampered webhook body is refused with 401, nothing processed, alert fired',
    ]);
  });
});

describe("b2b certify with a team's own scenario ids", () => {
  it('runs them, names their evidence folders after them, and prints a rerun that works', async ({
    expect,
  }) => {
    const failing = (await b102As('acme-Expect-200')).replace(
      'expect: { status: 401, error_code: signature_invalid }',
      'expect: { status: 200 }',
    );
    const folder = await scenarioFolder('team-certify', {
      'acme-tampered_body.yaml': await b102As('acme-tampered_body'),
      'acme-Expect-200.yaml': failing,
    });
    const out = join(cli.dir, 'team-run');
    const run = await cli.run(['certify', '--scenarios', folder, '--seed', '11', '--out', out]);
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^acme-Expect-200 FAIL /);
    const rerun = lines.find((line) => line.trim().startsWith('rerun: '))?.trim();
    expect(rerun).toBe(
      `rerun: npx b2b certify --scenario acme-Expect-200 --seed 11 --scenarios ${folder}`,
    );
    expect(lines.some((line) => /^acme-tampered_body PASS /.test(line))).toBe(true);
    for (const id of ['acme-Expect-200', 'acme-tampered_body'])
      expect(existsSync(join(out, 'scenarios', id, 'scenario.yaml'))).toBe(true);

    // The printed command, word by word as a shell would split it, reruns exactly that scenario.
    const words = (rerun ?? '').replace(/^rerun: npx b2b /, '').split(' ');
    const again = await cli.run([...words, '--out', join(cli.dir, 'team-rerun')]);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout.split('\n')[0]).toMatch(/^acme-Expect-200 FAIL /);
    expect(again.stdout).toMatch(/^1 scenarios: 0 passed, 1 failed · .* · seed 11$/m);
  });
});
