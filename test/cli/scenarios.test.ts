import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ORACLE_KINDS } from '../../harness/oracles/index.js';
import { STEP_KINDS } from '../../harness/steps/index.js';
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
    expect(section('step kinds:').map((line) => line.split(/\s+/)[0])).toEqual(
      Object.keys(STEP_KINDS),
    );
    expect(section('oracle kinds:').map((line) => line.split(/\s+/)[0])).toEqual(
      Object.keys(ORACLE_KINDS),
    );
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
    expect(listed.scenarios[0]).toEqual({
      id: 'B-002',
      kind: 'alt',
      partner: 'p_001',
      flow: 'webhook',
      title: 'Webhook order.created, then a replay of the same event',
    });
    expect(listed.step_kinds.map((step) => step.kind)).toEqual(Object.keys(STEP_KINDS));
    expect(listed.oracle_kinds.map((oracle) => oracle.kind)).toEqual(Object.keys(ORACLE_KINDS));
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
