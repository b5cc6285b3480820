import fc from 'fast-check';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../../contracts/partners/partnerProfile.js';
import {
  SCENARIO_ID_PATTERN,
  type ScenarioDocument,
} from '../../../contracts/scenarios/scenario.js';
import { compileSchema } from '../../../contracts/schemaValidator.js';
import {
  CORRELATION_ID_PATTERN,
  orderEventSchema,
} from '../../../contracts/webhooks/orderEvent.js';
import {
  correlationPrefixFor,
  eventIdFor,
  orderNumberFor,
} from '../../../harness/run/scenarioContext.js';
import {
  compareScenarioIds,
  loadScenarioFiles,
  loadScenarios,
} from '../../../harness/scenarios/loadScenarios.js';
import { scenarioSchema } from '../../../harness/scenarios/scenarioSchema.js';
import { ConfigError, type DataFileProblem } from '../../../lib/errors.js';
import { projectPath } from '../../../lib/projectPaths.js';
import { newRunId } from '../../../lib/runId.js';

let profiles: Map<string, PartnerProfile>;
let scratch: string;

beforeAll(async () => {
  profiles = await loadPartnerProfiles(projectPath('partners'));
  scratch = await mkdtemp(join(tmpdir(), 'b2b-scenarios-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A valid scenario file; `steps`/`oracles` replace those blocks (YAML, indented two spaces). */
function scenarioYaml(
  id: string,
  parts: { partner?: string; steps?: string; oracles?: string } = {},
): string {
  return [
    `id: ${id}`,
    'title: A scenario written by a test',
    'kind: exception',
    `partner: ${parts.partner ?? 'p_001'}`,
    'flow: webhook',
    'expected: Whatever the test checks.',
    'steps:',
    parts.steps ??
      [
        '  - id: created',
        '    kind: webhook.send',
        '    title: Acme sends order.created',
        '    events:',
        '      - { ref: e1, type: order.created, order: o1 }',
      ].join('\n'),
    'oracles:',
    parts.oracles ??
      [
        '  - kind: delivery.response',
        '    step: created',
        '    expect: { status: 200, outcome: processed }',
      ].join('\n'),
    '',
  ].join('\n');
}

/** The valid scenario above as a value, with `id` set as is (any string, quoted safely). */
function scenarioYamlValue(id: string): unknown {
  return { ...(parse(scenarioYaml('placeholder')) as object), id };
}

let folders = 0;

/** Writes the files into a fresh folder and returns their paths (in the given order). */
async function writeScenarios(files: Record<string, string>): Promise<string[]> {
  folders += 1;
  const dir = join(scratch, `case-${folders}`);
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
    paths.push(join(dir, name));
  }
  return paths;
}

/** The problems a load refuses with; fails the test when the load succeeds or throws otherwise. */
async function problemsOf(load: Promise<unknown>): Promise<DataFileProblem[]> {
  const error = await load.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

async function problemsOfFile(name: string, text: string): Promise<DataFileProblem[]> {
  const [file] = await writeScenarios({ [name]: text });
  return problemsOf(loadScenarioFiles([file as string], profiles));
}

describe("the repository's scenarios", () => {
  it('all load, sorted by id with negative cases after their base scenario', async () => {
    const loaded = await loadScenarios(projectPath('scenarios'), profiles);
    const ids = loaded.map((scenario) => scenario.document.id);
    const files = (await readdir(projectPath('scenarios'))).filter((name) => name.endsWith('.yaml'));
    expect(ids).toHaveLength(files.length);
    expect(ids).toEqual([
      'B-001',
      'B-001-A1',
      'B-001-N1',
      'B-001-N2',
      'B-001-N3',
      'B-001-N4',
      'B-001-N5',
      'B-001-N6',
      'B-001-N7',
      'B-002',
      'B-002-A1',
      'B-002-N1',
      'B-002-N2',
      'B-002-N3',
      'B-002-N4',
      'B-002-N5',
      'B-002-N6',
      'B-102',
      'B-102-N1',
      'B-102-N2',
      'B-102-N3',
    ]);
    for (const scenario of loaded) {
      expect(scenario.file.endsWith(`${scenario.document.id}.yaml`)).toBe(true);
      expect(scenario.source).toContain(`id: ${scenario.document.id}`);
    }
  });

  it('orders ids numerically, not as text', () => {
    const ids = ['B-102', 'B-002-N10', 'B-010', 'B-002-N2', 'B-002', 'B-002-A1'];
    expect([...ids].sort(compareScenarioIds)).toEqual([
      'B-002',
      'B-002-A1',
      'B-002-N2',
      'B-002-N10',
      'B-010',
      'B-102',
    ]);
  });
});

describe('a scenario file that breaks the schema', () => {
  it('names an unknown step kind on its line and lists the known kinds', async () => {
    const problems = await problemsOfFile(
      'B-901.yaml',
      scenarioYaml('B-901', {
        steps: ['  - id: created', '    kind: webhook.sned', '    title: A typo'].join('\n'),
      }),
    );
    expect(problems).toEqual([
      {
        file: expect.stringMatching(/B-901\.yaml$/),
        path: '/steps/0/kind',
        line: 9,
        reason: expect.stringContaining('"webhook.sned" is not a known kind'),
      },
    ]);
    const reason = problems[0]?.reason ?? '';
    for (const kind of ['webhook.send', 'webhook.redeliver', 'webhook.sendRaw'])
      expect(reason).toContain(kind);
  });

  it('names an unknown fault, and a fault missing its required parameter', async () => {
    const problems = await problemsOfFile(
      'B-902.yaml',
      scenarioYaml('B-902', {
        steps: [
          '  - id: created',
          '    kind: webhook.send',
          '    title: Acme sends order.created',
          '    events:',
          '      - { ref: e1, type: order.created, order: o1 }',
          '    faults:',
          '      - { name: gremlins }',
          '      - { name: burst }',
        ].join('\n'),
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/steps/0/faults/0/name',
        line: 14,
        reason: expect.stringMatching(/"gremlins" is not a known name; known: .*tamperBody/),
      }),
      expect.objectContaining({ path: '/steps/0/faults/1/count', line: 15, reason: 'is required' }),
    ]);
  });

  it('names an unknown field of an oracle', async () => {
    const problems = await problemsOfFile(
      'B-903.yaml',
      scenarioYaml('B-903', {
        oracles: [
          '  - kind: delivery.response',
          '    step: created',
          '    expect: { status: 200 }',
          '    expcet: { status: 401 }',
        ].join('\n'),
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/oracles/0/expcet',
        line: 17,
        reason: 'is not a known field',
      }),
    ]);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOfFile(
      'B-904.yaml',
      scenarioYaml('B-904').replace('flow: webhook', 'flow: [webhook'),
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ reason: expect.stringMatching(/^YAML: /) });
    expect(problems[0]?.line).toBeGreaterThanOrEqual(5);
  });
});

describe('a scenario file whose references do not hold', () => {
  it('refuses webhook.redeliver of a later step and of a step that does not exist', async () => {
    const problems = await problemsOfFile(
      'B-910.yaml',
      scenarioYaml('B-910', {
        steps: [
          '  - id: early',
          '    kind: webhook.redeliver',
          '    title: Redelivers what comes later',
          '    of: created',
          '  - id: created',
          '    kind: webhook.send',
          '    title: Acme sends order.created',
          '    events:',
          '      - { ref: e1, type: order.created, order: o1 }',
          '  - id: ghostly',
          '    kind: webhook.redeliver',
          '    title: Redelivers nothing',
          '    of: nowhere',
        ].join('\n'),
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/steps/0/of',
        line: 11,
        reason: '"created" must name an earlier step',
      }),
      expect.objectContaining({
        path: '/steps/2/of',
        line: 20,
        reason: '"nowhere" must name an earlier step',
      }),
    ]);
  });

  it('refuses oracles naming an unknown step, event ref or order ref', async () => {
    const problems = await problemsOfFile(
      'B-911.yaml',
      scenarioYaml('B-911', {
        oracles: [
          '  - kind: delivery.response',
          '    step: cretaed',
          '    expect: { status: 200 }',
          '  - kind: alert.none',
          '    steps: [created, phantom]',
          '  - kind: inbox.exactlyOnce',
          '    events: [e1, e9]',
          '  - kind: order.state',
          '    order: o7',
          '    matches_event: e8',
          '    chain: { e1: applied, e6: superseded }',
        ].join('\n'),
      }),
    );
    // Each problem points at the exact field holding the bad reference; a file's problems come
    // top to bottom.
    expect(problems.map(({ path, line, reason }) => ({ path, line, reason }))).toEqual([
      { path: '/oracles/0/step', line: 15, reason: 'step "cretaed" is not a step of this scenario' },
      { path: '/oracles/1/steps/1', line: 18, reason: 'step "phantom" is not a step of this scenario' },
      { path: '/oracles/2/events/1', line: 20, reason: 'event "e9" is not sent by any step' },
      { path: '/oracles/3/order', line: 22, reason: 'order "o7" is not in any step\'s events' },
      { path: '/oracles/3/matches_event', line: 23, reason: 'event "e8" is not sent by any step' },
      { path: '/oracles/3/chain/e6', line: 24, reason: 'event "e6" is not sent by any step' },
    ]);
    for (const problem of problems) expect(problem.file).toMatch(/B-911\.yaml$/);
  });

  it('refuses a file not named after its id', async () => {
    const problems = await problemsOfFile('B-920.yaml', scenarioYaml('B-921'));
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/id',
        line: 1,
        reason: 'file must be named B-921.yaml',
      }),
    ]);
  });

  it('refuses an id defined by two files, naming the first', async () => {
    const [first] = await writeScenarios({ 'B-930.yaml': scenarioYaml('B-930') });
    const [second] = await writeScenarios({ 'B-930.yaml': scenarioYaml('B-930') });
    const problems = await problemsOf(
      loadScenarioFiles([first as string, second as string], profiles),
    );
    expect(problems).toEqual([
      {
        file: second,
        path: '/id',
        line: 1,
        reason: `B-930 is also defined in ${first}`,
      },
    ]);
  });

  it('refuses an unknown partner, listing the known ones', async () => {
    const problems = await problemsOfFile('B-940.yaml', scenarioYaml('B-940', { partner: 'p_404' }));
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/partner',
        line: 4,
        reason: 'no partner profile p_404 (known: p_001, p_002, p_003)',
      }),
    ]);
  });

  it("refuses a flow the partner does not have (p_002 has no webhooks)", async () => {
    const problems = await problemsOfFile('B-941.yaml', scenarioYaml('B-941', { partner: 'p_002' }));
    expect(problems).toEqual([
      expect.objectContaining({
        path: '/flow',
        line: 5,
        reason: 'partner p_002 has no webhook mode',
      }),
    ]);
  });

  it("refuses a flow no module brings yet, and steps and oracles of another flow", async () => {
    const problems = await problemsOfFile(
      'B-942.yaml',
      scenarioYaml('B-942', {
        partner: 'p_002',
        oracles: ['  - kind: inbox.absent', '    events: [e1]'].join('\n'),
      }).replace('flow: webhook', 'flow: sftp'),
    );
    expect(problems.map(({ path, line, reason }) => ({ path, line, reason }))).toEqual([
      { path: '/flow', line: 5, reason: 'must be one of "webhook", "api"' },
      {
        path: '/steps/0/kind',
        line: 9,
        reason: 'webhook.send is a step of the webhook flow, not of sftp',
      },
      {
        path: '/oracles/0/kind',
        line: 14,
        reason: 'inbox.absent is an oracle of the webhook flow, not of sftp',
      },
    ]);
  });
});

describe('a scenario file with schema errors and broken references', () => {
  it('reports both in one run, top to bottom', async () => {
    const problems = await problemsOfFile(
      'B-960.yaml',
      scenarioYaml('B-960', {
        partner: 'p_404',
        steps: [
          '  - id: created',
          '    kind: webhook.send',
          '    title: Acme sends order.created',
          '    events:',
          '      - { ref: e1, type: order.created, order: o1 }',
          '    faults:',
          '      - { name: gremlins }',
          '  - id: again',
          '    kind: webhook.redeliver',
          '    title: Redelivers a step that does not exist',
          '    of: nowhere',
        ].join('\n'),
        oracles: [
          '  - kind: delivery.response',
          '    step: cretaed',
          '    expect: { status: 200 }',
          '  - kind: inbox.exactlyOnce',
          '    events: [e1, e9]',
          '    extra: true',
        ].join('\n'),
      }),
    );
    expect(problems.map(({ path, line, reason }) => ({ path, line, reason }))).toEqual([
      {
        path: '/partner',
        line: 4,
        reason: 'no partner profile p_404 (known: p_001, p_002, p_003)',
      },
      {
        path: '/steps/0/faults/0/name',
        line: 14,
        reason: expect.stringContaining('"gremlins" is not a known name'),
      },
      { path: '/steps/1/of', line: 18, reason: '"nowhere" must name an earlier step' },
      { path: '/oracles/0/step', line: 21, reason: 'step "cretaed" is not a step of this scenario' },
      { path: '/oracles/1/events/1', line: 24, reason: 'event "e9" is not sent by any step' },
      { path: '/oracles/1/extra', line: 25, reason: 'is not a known field' },
    ]);
    for (const problem of problems) expect(problem.file).toMatch(/B-960\.yaml$/);
  });

  it('says a thing once: no reference problem where the schema already faults that field', async () => {
    const problems = await problemsOfFile(
      'B-961.yaml',
      scenarioYaml('has a space', { partner: 'acme' }).replace(
        '    step: created',
        '    step: 7',
      ),
    );
    expect(problems.map(({ path, line }) => ({ path, line }))).toEqual([
      { path: '/id', line: 1 },
      { path: '/partner', line: 4 },
      { path: '/oracles/0/step', line: 15 },
    ]);
    expect(problems[0]?.reason).toMatch(/^must match pattern /);
    expect(problems[1]?.reason).toMatch(/^must match pattern /);
    expect(problems[2]?.reason).toBe('must be string');
  });

  it('checks the references of a file whose top level is not even a mapping, without failing', async () => {
    const problems = await problemsOfFile('B-962.yaml', '- just\n- a list\n');
    expect(problems).toEqual([
      expect.objectContaining({ path: '', line: 1, reason: 'must be object' }),
    ]);
  });
});

describe("a team's own scenario ids", () => {
  it('load alongside the playbook ids, sorted the same way, each from the file named after it', async () => {
    const [first] = await writeScenarios({
      'acme-replay_10.yaml': scenarioYaml('acme-replay_10'),
      'acme-replay_2.yaml': scenarioYaml('acme-replay_2'),
      'B-002.yaml': scenarioYaml('B-002'),
      'Globex-Smoke.yaml': scenarioYaml('Globex-Smoke'),
      'x.yaml': scenarioYaml('x'),
    });
    const loaded = await loadScenarios(join(first as string, '..'), profiles);
    expect(loaded.map((scenario) => scenario.document.id)).toEqual([
      'acme-replay_2',
      'acme-replay_10',
      'B-002',
      'Globex-Smoke',
      'x',
    ]);
  });

  it.each([
    ['acme.replay', 'a dot'],
    ['acme/replay', 'a slash'],
    ['acme replay', 'a space'],
    ['1-acme', 'a leading digit'],
    ['-acme', 'a leading dash'],
    ['acmé', 'a letter outside ASCII'],
    [`a${'b'.repeat(48)}`, '49 characters'],
  ])('refuses %j (%s), on the id line, naming the rule', async (id) => {
    const problems = await problemsOfFile('bad-id.yaml', scenarioYaml(JSON.stringify(id)));
    expect(problems).toEqual([
      {
        file: expect.stringMatching(/bad-id\.yaml$/),
        path: '/id',
        line: 1,
        reason: `must match pattern "${SCENARIO_ID_PATTERN.source}"`,
      },
    ]);
  });

  it.each(['con', 'NUL', 'Com1', 'lpt9'])(
    'refuses %j, a name Windows reserves, which could not name an evidence folder there',
    async (id) => {
      const problems = await problemsOfFile(`${id}.yaml`, scenarioYaml(id));
      expect(problems).toEqual([
        expect.objectContaining({
          path: '/id',
          line: 1,
          reason: `"${id}" is a reserved file name on Windows, so it cannot name an evidence folder`,
        }),
      ]);
    },
  );

  it('refuses ids that differ only in case, which would share one evidence folder on macOS', async () => {
    const [first] = await writeScenarios({ 'acme-smoke.yaml': scenarioYaml('acme-smoke') });
    const [second] = await writeScenarios({ 'ACME-smoke.yaml': scenarioYaml('ACME-smoke') });
    const problems = await problemsOf(
      loadScenarioFiles([first as string, second as string], profiles),
    );
    expect(problems).toEqual([
      {
        file: second,
        path: '/id',
        line: 1,
        reason: `ACME-smoke differs only in case from acme-smoke in ${first}: their evidence folders would be one on macOS and Windows`,
      },
    ]);
  });

  it('sorts ids that collate as equal (B-02, B-002) the same whatever order they came in', () => {
    const ids = ['B-002', 'B-02', 'b-002'];
    const once = [...ids].sort(compareScenarioIds);
    expect([...ids].reverse().sort(compareScenarioIds)).toEqual(once);
  });

  // Every id the schema accepts must still be a safe folder name in the evidence bundle, a plain
  // word in the printed rerun command, and fit the wire ids it is part of (event ids, order
  // numbers, correlation ids), with the longest step ids and refs a scenario may have.
  it('any id the schema accepts is one safe folder name, one shell word, and fits every wire id', () => {
    const validate = compileSchema(scenarioSchema);
    const eventIdPattern = new RegExp(orderEventSchema.properties.event_id.pattern);
    let accepted = 0;
    const longestRef = `e${'x'.repeat(31)}`;
    const longestStepId = `s${'x'.repeat(31)}`;
    const context = (id: string) => ({
      runId: newRunId(Date.UTC(2099, 11, 31, 23, 59, 59)),
      scenario: { id } as ScenarioDocument,
    });
    const idLike = fc.string({
      unit: fc.constantFrom(...'aZ09-_./\\ $;\'"`é'.split('')),
      minLength: 1,
      maxLength: 60,
    });
    fc.assert(
      fc.property(fc.oneof(idLike, fc.stringMatching(SCENARIO_ID_PATTERN)), (id) => {
        if (!validate(scenarioYamlValue(id))) return;
        accepted += 1;
        expect(id).toMatch(SCENARIO_ID_PATTERN);
        expect(basename(id)).toBe(id);
        expect(['.', '..']).not.toContain(id);
        expect(id).toMatch(/^[A-Za-z0-9_-]+$/); // nothing a shell would read specially
        expect(eventIdFor(context(id), longestRef)).toMatch(eventIdPattern);
        expect(orderNumberFor(context(id), longestRef).length).toBeLessThanOrEqual(128);
        expect(`${correlationPrefixFor(context(id), longestStepId)}.999999`).toMatch(
          CORRELATION_ID_PATTERN,
        );
      }),
      { numRuns: 500 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('a folder of scenarios', () => {
  it('reports every problem of every file together, and loads nothing', async () => {
    const [good] = await writeScenarios({
      'B-950.yaml': scenarioYaml('B-950'),
      'B-951.yaml': scenarioYaml('B-951', { partner: 'p_002' }),
      'B-952.yaml': scenarioYaml('B-952', {
        steps: ['  - id: created', '    kind: webhook.nope', '    title: A typo'].join('\n'),
      }),
      'B-953.yaml': scenarioYaml('B-954'),
      'notes.txt': 'not a scenario',
    });
    const dir = join(good as string, '..');
    const error = await loadScenarios(dir, profiles).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((problem) => [problem.file.split('/').pop(), problem.path])).toEqual([
      ['B-951.yaml', '/flow'],
      ['B-952.yaml', '/steps/0/kind'],
      ['B-953.yaml', '/id'],
    ]);
    // The message a user reads: one line per problem, each file:line: path: reason.
    const lines = (error as ConfigError).message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/B-951\.yaml:5: \/flow: partner p_002 has no webhook mode$/);
    expect(lines[1]).toMatch(/B-952\.yaml:9: \/steps\/0\/kind: "webhook\.nope" is not a known kind/);
    expect(lines[2]).toMatch(/B-953\.yaml:1: \/id: file must be named B-954\.yaml$/);
  });

  it('refuses a folder that cannot be read', async () => {
    const problems = await problemsOf(loadScenarios(join(scratch, 'no-such-folder'), profiles));
    expect(problems).toEqual([
      expect.objectContaining({ reason: 'scenario folder cannot be read' }),
    ]);
  });
});
