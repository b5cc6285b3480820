import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptedSchemes,
  loadPartnerProfile,
  loadPartnerProfiles,
  piiFields,
} from '../../../contracts/partners/partnerProfile.js';
import { ConfigError, type DataFileProblem } from '../../../lib/errors.js';
import { projectPath } from '../../../lib/projectPaths.js';

/** A valid profile; tests break one line at a time, so line numbers below are the array index + 1. */
const VALID_LINES = [
  'partner_id: p_101', // 1
  'name: Test Partner', // 2
  'modes: [webhook]', // 3
  'security: [hmac]', // 4
  'contact: ops@test.example', // 5
  'sla:', // 6
  '  api:', // 7
  '    latency_p95_ms: 300', // 8
  'webhook:', // 9
  '  secret_env: B2B_P_101_WEBHOOK_SECRET', // 10
  '  window_s: 600', // 11
  'retry_policy:', // 12
  '  webhook.delivery: { max_attempts: 8, backoff_ms_cap: 300000, jitter: full }', // 13
  'field_mapping:', // 14
  '  order:', // 15
  '    - { ours: order_id, partner: OrderNumber, type: string }', // 16
  '    - { ours: buyer_email, partner: BuyerEmail, type: string, pii: true }', // 17
];

/** The valid profile with some lines replaced (`null` deletes a line, keeping the numbering above). */
function profileText(changes: Record<number, string | null> = {}, extra: string[] = []): string {
  const lines = VALID_LINES.map((line, index) => {
    const change = changes[index + 1];
    return change === undefined ? line : change === null ? '# removed' : change;
  });
  return [...lines, ...extra].join('\n') + '\n';
}

async function problemsOf(load: Promise<unknown>): Promise<DataFileProblem[]> {
  const error = await load.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe("the repository's partner profiles", () => {
  it('all load, keyed by partner id', async () => {
    const profiles = await loadPartnerProfiles(projectPath('partners'));
    expect([...profiles.keys()]).toEqual(['p_001', 'p_002', 'p_003']);
    const acme = profiles.get('p_001');
    expect(acme?.name).toBe('Acme Retail');
    expect(acme?.webhook).toMatchObject({ secret_env: 'B2B_P_001_WEBHOOK_SECRET', window_s: 600 });
    expect(acme?.modes).toContain('webhook');
  });

  it('flag the buyer email of Acme as PII, under both field names', async () => {
    const acme = await loadPartnerProfile(projectPath('partners', 'p_001-acme-retail.yaml'));
    expect(piiFields(acme)).toEqual(['buyer_email', 'BuyerEmail']);
    expect(acceptedSchemes(acme.webhook ?? { secret_env: 'X', window_s: 1 })).toEqual([
      'x-signature',
      'standard-webhooks',
    ]);
  });
});

describe('acceptedSchemes and piiFields', () => {
  it('accept both signature schemes when a profile names none', () => {
    expect(acceptedSchemes({ secret_env: 'X', window_s: 60 })).toEqual([
      'x-signature',
      'standard-webhooks',
    ]);
    expect(
      acceptedSchemes({ secret_env: 'X', window_s: 60, signature_schemes: ['standard-webhooks'] }),
    ).toEqual(['standard-webhooks']);
  });
});

describe('a broken partner profile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2b-partners-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('loads when nothing is broken (the baseline of the cases below)', async () => {
    const file = await write('p_101-test.yaml', profileText());
    await expect(loadPartnerProfile(file)).resolves.toMatchObject({ partner_id: 'p_101' });
  });

  it('names an unknown field with its line', async () => {
    const file = await write('p_101-test.yaml', profileText({}, ['colour: blue']));
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      { file, path: '/colour', line: 18, reason: 'is not a known field' },
    ]);
  });

  it('names an unknown field nested in a section', async () => {
    const file = await write('p_101-test.yaml', profileText({ 11: '  window: 600' }));
    expect(await problemsOf(loadPartnerProfile(file))).toEqual(
      expect.arrayContaining([
        { file, path: '/webhook/window', line: 11, reason: 'is not a known field' },
        // placed where the section's fields start, where the missing one belongs
        { file, path: '/webhook/window_s', line: 10, reason: 'is required' },
      ]),
    );
  });

  it('names a missing required field', async () => {
    const file = await write('p_101-test.yaml', profileText({ 5: null }));
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      { file, path: '/contact', line: 1, reason: 'is required' },
    ]);
  });

  it('names a value of the wrong type', async () => {
    const file = await write('p_101-test.yaml', profileText({ 11: '  window_s: soon' }));
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      { file, path: '/webhook/window_s', line: 11, reason: 'must be integer' },
    ]);
  });

  it('lists the allowed values for a bad enum value', async () => {
    const file = await write(
      'p_101-test.yaml',
      profileText({
        13: '  webhook.delivery: { max_attempts: 8, backoff_ms_cap: 300000, jitter: sometimes }',
      }),
    );
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      {
        file,
        path: '/retry_policy/webhook.delivery/jitter',
        line: 13,
        reason: 'must be one of "none", "full", "equal"',
      },
    ]);
  });

  it('requires a webhook section when the partner uses webhooks, and says only that', async () => {
    const file = await write('p_101-test.yaml', profileText({ 9: null, 10: null, 11: null }));
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      { file, path: '/webhook', line: 1, reason: 'is required' },
    ]);
  });

  it.each([
    ['api', '/api'],
    ['sftp', '/sftp'],
    ['edi', '/edi'],
  ])('requires the %s block when the partner uses that mode', async (mode, path) => {
    const file = await write('p_101-test.yaml', profileText({ 3: `modes: [webhook, ${mode}]` }));
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      { file, path, line: 1, reason: 'is required' },
    ]);
  });

  it('names the path and line of a wrong value inside a mode block', async () => {
    const file = await write(
      'p_101-test.yaml',
      profileText({ 3: 'modes: [webhook, api]' }, [
        'api:',
        '  clients:',
        '    - { client_id: acme, secret_env: not-a-variable, scopes: [orders:read] }',
      ]),
    );
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      expect.objectContaining({ file, path: '/api/clients/0/secret_env', line: 20 }),
    ]);
  });

  it('refuses a field rule option that does not fit its type, and bounds that contradict', async () => {
    const file = await write(
      'p_101-test.yaml',
      profileText({
        16: '    - { ours: order_id, partner: OrderNumber, type: string, minimum: 1 }',
        17: '    - { ours: total, partner: Total, type: integer, minimum: 10, maximum: 1 }',
      }),
    );
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      expect.objectContaining({ path: '/field_mapping/order/0/minimum', line: 16, reason: 'applies to integer fields only' }),
      expect.objectContaining({ path: '/field_mapping/order/1/maximum', line: 17, reason: 'is below minimum' }),
    ]);
  });

  it('reports a YAML syntax error with its line', async () => {
    const file = await write('p_101-test.yaml', profileText({ 4: 'security: [hmac' }));
    const problems = await problemsOf(loadPartnerProfile(file));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file, path: '' });
    expect(problems[0]?.reason).toMatch(/^YAML: /);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses a file whose name does not start with its partner id, at the partner_id line', async () => {
    const file = await write('p_102-test.yaml', profileText());
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      {
        file,
        path: '/partner_id',
        line: 1,
        reason: 'file name must start with the partner id p_101',
      },
    ]);
  });

  it('refuses a field mapping that maps one of our fields twice, at the second one', async () => {
    const file = await write(
      'p_101-test.yaml',
      profileText({ 17: '    - { ours: order_id, partner: OrderRef, type: string }' }),
    );
    expect(await problemsOf(loadPartnerProfile(file))).toEqual([
      { file, path: '/field_mapping/order/1/ours', line: 17, reason: 'maps "order_id" twice' },
    ]);
  });

  it('refuses two files declaring one partner id, naming the second file', async () => {
    await write('p_101-a.yaml', profileText());
    const second = await write('p_101-b.yaml', profileText());
    expect(await problemsOf(loadPartnerProfiles(dir))).toEqual([
      {
        file: second,
        path: '/partner_id',
        line: 1,
        reason: 'duplicates p_101 from another profile',
      },
    ]);
  });

  it('reports the problems of every file of a folder together', async () => {
    const unknownField = await write('p_101-test.yaml', profileText({}, ['colour: blue']));
    const wrongType = await write(
      'p_102-test.yaml',
      profileText({ 1: 'partner_id: p_102', 8: '    latency_p95_ms: fast' }),
    );
    await write('p_103-test.yaml', profileText({ 1: 'partner_id: p_103' }));
    const error = await loadPartnerProfiles(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { file: unknownField, path: '/colour', line: 18, reason: 'is not a known field' },
      { file: wrongType, path: '/sla/api/latency_p95_ms', line: 8, reason: 'must be integer' },
    ]);
    expect((error as ConfigError).message).toBe(
      [
        `${unknownField}:18: /colour: is not a known field`,
        `${wrongType}:8: /sla/api/latency_p95_ms: must be integer`,
      ].join('\n'),
    );
  });

  it('ignores files that are not YAML and refuses a folder with no profile', async () => {
    await write('README.md', '# not a profile');
    expect(await problemsOf(loadPartnerProfiles(dir))).toEqual([
      { file: dir, path: '', reason: 'holds no partner profile (*.yaml)' },
    ]);
  });

  it('refuses a folder that cannot be read', async () => {
    const missing = join(dir, 'absent');
    expect(await problemsOf(loadPartnerProfiles(missing))).toEqual([
      { file: missing, path: '', reason: 'partner profile folder cannot be read' },
    ]);
  });
});
