import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPartnerProfiles } from '../../contracts/partners/partnerProfile.js';
import { loadOrCreateEvidenceKey } from '../../harness/evidence/evidenceKey.js';
import { verifyBundle } from '../../harness/evidence/verifyBundle.js';
import type { RunResult } from '../../harness/model/runResult.js';
import { loadScenarios, type LoadedScenario } from '../../harness/scenarios/loadScenarios.js';
import { projectPath } from '../../lib/projectPaths.js';
import { createCliScratch, type CliResult, type CliScratch } from '../support/cliRunner.js';
import {
  bundleFiles,
  filesContaining,
  readJournal,
  readNdjson,
  readResult,
} from '../support/evidenceBundle.js';

// `b2b certify` as a user runs it: the real CLI in a child process, starting the bundled pipeline
// (its own child) on embedded PGlite, every scenario of the repository, a signed bundle at the end.

const RUN_TIMEOUT_MS = 150_000;

let cli: CliScratch;
let scenarios: LoadedScenario[];
let fingerprint: string;

beforeAll(async () => {
  cli = await createCliScratch('b2b-e2e-certify-');
  scenarios = await loadScenarios(
    projectPath('scenarios'),
    await loadPartnerProfiles(projectPath('partners')),
  );
  fingerprint = (await loadOrCreateEvidenceKey({ keyFile: cli.keyFile, env: {} })).fingerprint;
});

afterAll(async () => {
  await cli?.dispose();
});

/** The bundled pipeline's data folder lives under the cwd and must be gone after a run. */
async function leftoverData(): Promise<string[]> {
  return readdir(join(cli.dir, '.b2b', 'data')).catch(() => []);
}

describe('b2b certify: every scenario, the bundled pipeline, a signed evidence bundle', () => {
  let run: CliResult;
  let bundle: string;
  let result: RunResult;

  beforeAll(async () => {
    bundle = join(cli.dir, 'full');
    run = await cli.run(['certify', '--out', bundle, '--seed', '7'], {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    if (run.code === 0) result = await readResult(bundle);
  }, RUN_TIMEOUT_MS);

  it('exits 0 and prints one line per scenario, then the summary and where the evidence is', () => {
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const rows = lines.slice(0, scenarios.length);
    expect(rows).toHaveLength(scenarios.length);
    rows.forEach((row, index) => {
      const { id, title } = (scenarios[index] as LoadedScenario).document;
      expect(row).toMatch(new RegExp(`^${id} +PASS +\\d+\\.\\d\\d s {2}`));
      expect(row.endsWith(`  ${title}`)).toBe(true);
    });
    expect(lines.slice(scenarios.length)).toEqual([
      '',
      expect.stringMatching(
        new RegExp(
          `^${scenarios.length} scenarios: ${scenarios.length} passed, 0 failed · \\d+\\.\\d s · seed 7$`,
        ),
      ),
      `evidence: full/report.html (signed by ${fingerprint})`,
      'verify:   npx b2b evidence verify full',
    ]);
  });

  it('writes result.json: the summary, every scenario, and a verdict per partner and flow', () => {
    expect(result).toMatchObject({
      seed: 7,
      summary: {
        scenarios: scenarios.length,
        passed: scenarios.length,
        failed: 0,
        errors: 0,
      },
      sut: {
        mode: 'bundled',
        engine: 'pglite',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/),
      },
      tool: { name: 'b2b' },
      signer: { fingerprint },
    });
    expect(result.scenarios.map((scenario) => [scenario.id, scenario.verdict])).toEqual(
      scenarios.map((scenario) => [scenario.document.id, 'pass']),
    );
    const verdicts = result.partners.map((partner) => [
      partner.partner_id,
      Object.fromEntries(partner.flows.map((flow) => [flow.flow, flow.verdict])),
    ]);
    expect(verdicts).toEqual([
      ['p_001', { api: 'certified', webhook: 'certified' }],
      ['p_002', { sftp: 'not_covered' }],
      ['p_003', { edi: 'not_covered' }],
    ]);
    // A green run has green connectivity: every check of the partner holds.
    const p001 = result.partners[0];
    expect(p001?.connectivity.filter((check) => !check.ok)).toEqual([]);
    expect(p001?.flows[1]?.exchanges).toMatchObject({ failed: 0 });
  });

  it('writes junit.xml with one passing testcase per scenario', async () => {
    const junit = await readFile(join(bundle, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(scenarios.length);
    expect(junit).toMatch(
      new RegExp(`<testsuites [^>]*tests="${scenarios.length}" failures="0" errors="0"`),
    );
    expect(junit).not.toContain('<failure');
    for (const { document } of scenarios) expect(junit).toContain(`name="${document.id} `);
    expect(junit).toContain(`<property name="signer" value="${fingerprint}"/>`);
  });

  it('writes report.html with the verdict table and every scenario', async () => {
    const html = await readFile(join(bundle, 'report.html'), 'utf8');
    expect(html).toContain('Verdicts by partner and flow');
    expect(html).toContain('CERTIFIED');
    expect(html).toContain('NOT COVERED');
    for (const { document } of scenarios) expect(html).toContain(`id="scenario-${document.id}"`);
    expect(html).toContain(`<code class="signer">${fingerprint}</code>`);
  });

  it("keeps each scenario's journal, signatures and PII redacted", async () => {
    for (const { document } of scenarios) {
      const journal = await readJournal(bundle, document.id);
      expect(journal.length, document.id).toBeGreaterThan(0);
      for (const entry of journal) {
        expect(entry.correlation_id.startsWith(`${result.run_id}.${document.id}.`)).toBe(true);
        for (const header of ['x-signature', 'webhook-signature'])
          if (header in entry.request.headers)
            expect(entry.request.headers[header]).toBe('[redacted]');
      }
    }
    const sent = (await readJournal(bundle, 'B-002'))[0];
    const body = JSON.parse(sent?.request.body ?? '{}') as {
      data: { order: Record<string, unknown> };
    };
    expect(body.data.order).toMatchObject({ BuyerEmail: '[redacted]', TotalGross: 12999 });
    expect(await filesContaining(bundle, '@example.com')).toEqual([]);
  });

  it("cuts each scenario's excerpt of the pipeline log by its correlation ids", async () => {
    const excerpt = await readNdjson(join(bundle, 'scenarios', 'B-002', 'pipeline-log.ndjson'));
    expect(excerpt.length).toBeGreaterThan(0);
    for (const line of excerpt)
      expect(String(line.correlation_id).startsWith(`${result.run_id}.B-002.`)).toBe(true);
    expect(excerpt.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'webhook event processed',
        expect.stringMatching(/^webhook event replayed/),
      ]),
    );
    const files = await bundleFiles(bundle);
    for (const { document } of scenarios)
      expect(files).toContain(`scenarios/${document.id}/pipeline-log.ndjson`);
    expect(files).toContain('pipeline/pipeline.log.ndjson');
    // Every oracle's inputs and verdict are in the bundle where the result says.
    for (const scenario of result.scenarios)
      for (const oracle of scenario.oracles) expect(files).toContain(oracle.artifact);
  });

  it("never writes the run's webhook secret or ops token into the bundle", async () => {
    expect(await filesContaining(bundle, 'whsec_')).toEqual([]);
  });

  it('states the time scale it ran at, and what the pipeline was wired with, secrets left out', async () => {
    expect(result.certification_time).toMatchObject({
      scale: 0.001,
      source: 'built-in certification profile',
    });
    expect(result.certification_time.durations).toContainEqual(
      expect.objectContaining({
        partner_id: 'p_003',
        path: '/sla/edi/ack_within_minutes',
        production_ms: 900_000,
        certification_ms: 900,
      }),
    );
    const wiring = JSON.parse(await readFile(join(bundle, 'sut-wiring.json'), 'utf8')) as {
      run_id: string;
      settings: { variable: string; sensitive: boolean; value?: string; source: string }[];
    };
    expect(wiring.run_id).toBe(result.run_id);
    expect(wiring.settings).toEqual([
      expect.objectContaining({
        variable: 'B2B_CERTIFICATION_TIME_SCALE',
        value: '0.001',
        sensitive: false,
      }),
      expect.objectContaining({
        variable: 'B2B_P_001_API_CLIENT_SECRET',
        sensitive: true,
        source: 'generated',
      }),
      expect.objectContaining({
        variable: 'B2B_P_001_WEBHOOK_SECRET',
        sensitive: true,
        source: 'generated',
      }),
    ]);
    expect(wiring.settings[1]).not.toHaveProperty('value');
    expect(wiring.settings[2]).not.toHaveProperty('value');
    // Every scenario's exchanges, whatever the mode, are in the bundle beside its journal.
    const exchanges = await readNdjson(join(bundle, 'scenarios', 'B-002-N2', 'exchanges.ndjson'));
    const n2 = result.scenarios.find((scenario) => scenario.id === 'B-002-N2');
    expect(exchanges.length).toBe(n2?.steps.reduce((sum, step) => sum + step.exchanges, 0));
    expect(exchanges[0]).toMatchObject({ flow: 'webhook', noun: 'delivery', step: 'twice_more' });
  });

  it('leaves nothing behind in the working folder or the repository', async () => {
    expect(await leftoverData()).toEqual([]);
    expect(existsSync(projectPath('runs', result.run_id))).toBe(false);
  });

  it('verifies with sha256sum -c and with b2b evidence verify', async () => {
    const sums = await promisify(execFile)('sha256sum', ['-c', '--strict', 'SHA256SUMS'], {
      cwd: bundle,
    });
    expect(sums.stdout).toContain('result.json: OK');
    const verify = await cli.run(['evidence', 'verify', bundle]);
    expect(verify).toMatchObject({ code: 0, stderr: '' });
    expect(verify.stdout).toMatch(
      new RegExp(
        `^verified: \\d+ files unchanged; signed by ${fingerprint.replace(/\+/g, '\\+')} \\(this machine's evidence key\\)\n$`,
      ),
    );
  });

  it('refuses a bundle with one byte changed, naming the file', async () => {
    const tampered = join(cli.dir, 'tampered');
    await cp(bundle, tampered, { recursive: true });
    const journal = join(tampered, 'scenarios', 'B-002-N2', 'journal.ndjson');
    const bytes = await readFile(journal);
    const at = bytes.indexOf('"status":200');
    expect(at).toBeGreaterThan(0);
    bytes[at + 10] = '1'.charCodeAt(0); // 200 → 210
    await writeFile(journal, bytes);

    const verify = await cli.run(['evidence', 'verify', tampered]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toBe('');
    expect(verify.stderr).toContain('scenarios/B-002-N2/journal.ndjson');
  });
});

describe('b2b certify: two runs at the same time', () => {
  let runs: CliResult[];
  let results: RunResult[];
  const outs = ['parallel-a', 'parallel-b'];

  beforeAll(async () => {
    runs = await Promise.all(
      outs.map((out) =>
        cli.run(['certify', '--scenario', 'B-002,B-002-N2', '--out', join(cli.dir, out)], {
          timeoutMs: RUN_TIMEOUT_MS,
        }),
      ),
    );
    results = await Promise.all(outs.map((out) => readResult(join(cli.dir, out))));
  }, RUN_TIMEOUT_MS);

  it('both pass, each with its own run id, pipeline and bundle', async () => {
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    expect(results[0]?.run_id).not.toBe(results[1]?.run_id);
    expect(results[0]?.sut.url).not.toBe(results[1]?.sut.url);
    for (const result of results) {
      expect(result.summary).toEqual({ scenarios: 2, passed: 2, failed: 0, errors: 0 });
      expect(result.scenarios.map((scenario) => scenario.id)).toEqual(['B-002', 'B-002-N2']);
    }
    for (const [index, out] of outs.entries()) {
      const runId = (results[index] as RunResult).run_id;
      const journal = await readJournal(join(cli.dir, out), 'B-002-N2');
      expect(journal.every((entry) => entry.event_id?.startsWith(`evt-${runId}-`))).toBe(true);
      expect(
        await verifyBundle(join(cli.dir, out), {
          trusted: [{ fingerprint, label: 'the scratch evidence key' }],
        }),
      ).toMatchObject({ ok: true });
    }
    expect(await leftoverData()).toEqual([]);
  });
});
