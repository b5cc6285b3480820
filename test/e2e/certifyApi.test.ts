import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPartnerProfiles } from '../../contracts/partners/partnerProfile.js';
import { loadOrCreateEvidenceKey } from '../../harness/evidence/evidenceKey.js';
import { verifyBundle } from '../../harness/evidence/verifyBundle.js';
import type { RunResult } from '../../harness/model/runResult.js';
import { loadScenarios } from '../../harness/scenarios/loadScenarios.js';
import { projectPath } from '../../lib/projectPaths.js';
import { createCliScratch, type CliResult, type CliScratch } from '../support/cliRunner.js';
import {
  bundleFiles,
  filesContaining,
  readJournal,
  readNdjson,
  readResult,
} from '../support/evidenceBundle.js';
import { dropPostgresSchema } from '../support/servedPipeline.js';
import { uniqueSchemaName } from '../support/stores.js';

// `b2b certify` for the api flow as a user runs it: the real CLI in a child process, the bundled
// pipeline (its own child) on embedded PGlite, and on PostgreSQL when DATABASE_URL is set; the
// fake partner pulls the export while it writes, and breaks the API's rules one at a time.

const RUN_TIMEOUT_MS = 150_000;
/** The signed header of every access token the pipeline issues (EdDSA, at+jwt), base64url. */
const ACCESS_TOKEN_HEADER = 'eyJhbGciOiJFZERTQSIs';

let cli: CliScratch;
let apiScenarios: string[];
let fingerprint: string;

beforeAll(async () => {
  cli = await createCliScratch('b2b-e2e-certify-api-');
  const scenarios = await loadScenarios(
    projectPath('scenarios'),
    await loadPartnerProfiles(projectPath('partners')),
  );
  apiScenarios = scenarios
    .filter((scenario) => scenario.document.flow === 'api')
    .map((scenario) => scenario.document.id);
  fingerprint = (await loadOrCreateEvidenceKey({ keyFile: cli.keyFile, env: {} })).fingerprint;
});

afterAll(async () => {
  await cli?.dispose();
});

describe('b2b certify: the api flow of p_001 on the bundled pipeline', () => {
  let run: CliResult;
  let bundle: string;
  let result: RunResult;

  beforeAll(async () => {
    bundle = join(cli.dir, 'api');
    run = await cli.run(
      [
        'certify',
        '--partner',
        'p_001',
        '--scenario',
        apiScenarios.join(','),
        '--out',
        bundle,
        '--seed',
        '7',
      ],
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    result = await readResult(bundle);
  }, RUN_TIMEOUT_MS);

  it('exits 0 with a PASS line for B-001 and each of its negative cases', () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(apiScenarios).toEqual([
      'B-001',
      'B-001-A1',
      'B-001-N1',
      'B-001-N2',
      'B-001-N3',
      'B-001-N4',
      'B-001-N5',
      'B-001-N6',
      'B-001-N7',
    ]);
    for (const id of apiScenarios) expect(run.stdout).toMatch(new RegExp(`^${id} +PASS `, 'm'));
    expect(run.stdout).toMatch(/^9 scenarios: 9 passed, 0 failed · /m);
  });

  it('certifies p_001 for the api flow, its connection checked', () => {
    const p001 = result.partners.find((partner) => partner.partner_id === 'p_001');
    const api = p001?.flows.find((flow) => flow.flow === 'api');
    expect(api).toMatchObject({
      verdict: 'certified',
      coverage: { main: ['B-001'], alt: ['B-001-A1'], exception: apiScenarios.slice(2) },
      exchanges: { failed: 0 },
    });
    expect(p001?.connectivity.filter((check) => check.flow === 'api')).toEqual([
      expect.objectContaining({ check: 'access token obtained', ok: true }),
      expect.objectContaining({
        check: 'scopes granted',
        ok: true,
        detail: 'granted orders:read orders:write; the profile grants orders:read orders:write',
      }),
      expect.objectContaining({ check: 'partner API reached', ok: true }),
      expect.objectContaining({ check: 'rate-limit headers seen', ok: true }),
    ]);
  });

  it('proves B-001: every change since changed_since once, held against the ops control query', async () => {
    const b001 = result.scenarios.find((scenario) => scenario.id === 'B-001');
    expect(b001?.oracles.map((oracle) => [oracle.kind, oracle.verdict])).toEqual([
      ['export.complete', 'pass'],
      ['export.noDuplicates', 'pass'],
      ['export.paginationInvariants', 'pass'],
      ['api.response', 'pass'],
      ['api.response', 'pass'],
      ['api.response', 'pass'],
      ['order.state', 'pass'],
    ]);
    // 3 orders before the pull, 8 created and each changed twice during it, 2 changes after.
    const [complete] = b001?.oracles ?? [];
    expect(complete?.expected).toMatchObject({ changes_in_control: 29, applied_writes_since: 29 });
    expect(complete?.actual).toMatchObject({ received: 29, missing: [], unexpected: [] });

    // The evidence holds the control query's answers and the trace of every page.
    const evidence = JSON.parse(await readFile(join(bundle, complete?.artifact ?? ''), 'utf8')) as {
      inputs: { path: string; status: number; body: { items: unknown[] } }[];
    };
    expect(evidence.inputs).toEqual([
      expect.objectContaining({
        path: expect.stringMatching(/^\/ops\/order-changes\?partner_id=p_001&changed_since=/),
        status: 200,
      }),
    ]);
    expect(evidence.inputs[0]?.body.items).toHaveLength(29);
    const invariants = b001?.oracles[2];
    const trace = (invariants?.actual as { trace: { items: number; cursor_sent: unknown }[] })
      .trace;
    expect(trace.reduce((sum, page) => sum + page.items, 0)).toBe(29);
    expect(trace[0]?.cursor_sent).toBeNull();

    // Every call is an exchange in the one shape, with the writes and the pages interleaved.
    const exchanges = await readNdjson<{ step: string; flow: string; message: string }>(
      join(bundle, 'scenarios', 'B-001', 'exchanges.ndjson'),
    );
    const pull = exchanges.filter((exchange) => exchange.step === 'pull');
    const messages = pull.map((exchange) => exchange.message);
    expect(messages.indexOf('GET /v1/orders')).toBeLessThan(
      messages.lastIndexOf('POST /v1/orders'),
    );
    expect(messages.filter((message) => message === 'POST /v1/orders')).toHaveLength(24);
    expect(exchanges.every((exchange) => exchange.flow === 'api')).toBe(true);
  });

  it('runs the token lifetime at the time scale, and says so', async () => {
    expect(result.certification_time.durations).toContainEqual({
      partner_id: 'p_001',
      path: '/api/token_ttl_s',
      meaning: 'an access token expires this long after it is issued',
      production_ms: 300_000,
      certification_ms: 2_000,
    });
    const n1 = result.scenarios.find((scenario) => scenario.id === 'B-001-N1');
    expect(n1?.steps[0]?.summary).toBe('2 requests: 200 token_issued, 401 token_expired');
  });

  it('names the client secret in the wiring, and never writes it, a token or PII anywhere', async () => {
    const wiring = JSON.parse(await readFile(join(bundle, 'sut-wiring.json'), 'utf8')) as {
      settings: { variable: string; sensitive: boolean; value?: string; flow?: string }[];
    };
    const secret = wiring.settings.find((setting) => setting.flow === 'api');
    expect(secret).toEqual(
      expect.objectContaining({ variable: 'B2B_P_001_API_CLIENT_SECRET', sensitive: true }),
    );
    expect(secret).not.toHaveProperty('value');
    expect(await filesContaining(bundle, ACCESS_TOKEN_HEADER)).toEqual([]);
    expect(await filesContaining(bundle, '@example.com')).toEqual([]);
    for (const id of apiScenarios)
      for (const entry of await readJournal(bundle, id)) {
        expect(entry.correlation_id.startsWith(`${result.run_id}.${id}.`)).toBe(true);
        if ('authorization' in entry.request.headers)
          expect(entry.request.headers.authorization).toBe('[redacted]');
      }
  });

  it('seals a bundle that verifies', async () => {
    expect(await bundleFiles(bundle)).toContain(
      'scenarios/B-001/oracles/03-export.paginationInvariants.json',
    );
    expect(
      await verifyBundle(bundle, { trusted: [{ fingerprint, label: 'the scratch evidence key' }] }),
    ).toMatchObject({ ok: true });
  });
});

describe.skipIf(!process.env.DATABASE_URL)('b2b certify --scenario B-001 on PostgreSQL', () => {
  const schema = uniqueSchemaName();
  const databaseUrl = process.env.DATABASE_URL ?? '';

  afterAll(async () => {
    await dropPostgresSchema(databaseUrl, schema);
  });

  it(
    'passes with the pipeline on PostgreSQL, where concurrent writers commit out of order',
    async () => {
      const out = join(cli.dir, 'api-postgres');
      const run = await cli.run(['certify', '--scenario', 'B-001', '--out', out], {
        env: cli.env({ DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema }),
        timeoutMs: RUN_TIMEOUT_MS,
      });
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      const result = await readResult(out);
      expect(result.sut.engine).toBe('postgres');
      expect(result.scenarios[0]?.oracles.every((oracle) => oracle.verdict === 'pass')).toBe(true);
    },
    RUN_TIMEOUT_MS,
  );
});
