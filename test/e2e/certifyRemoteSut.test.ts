import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { loadOrCreateEvidenceKey } from '../../harness/evidence/evidenceKey.js';
import { verifyBundle } from '../../harness/evidence/verifyBundle.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';
import { bundleFiles, readResult } from '../support/evidenceBundle.js';
import { startLivePipeline, type LivePipeline } from '../support/livePipeline.js';

// `b2b certify --sut URL`: a pipeline someone else runs (here in this process, on the wall clock),
// certified with the secret the user hands over in the environment.

const OPS_TOKEN = 'remote-sut-ops-token-0123456789';
const RUN_TIMEOUT_MS = 120_000;

let cli: CliScratch;
let pipeline: LivePipeline;

beforeAll(async () => {
  [cli, pipeline] = await Promise.all([
    createCliScratch('b2b-e2e-remote-'),
    startLivePipeline({ secret: generateWebhookSecret(), opsToken: OPS_TOKEN }),
  ]);
});

afterAll(async () => {
  await Promise.all([pipeline?.close(), cli?.dispose()]);
});

function certifyRemote(out: string, secret: string) {
  return cli.run(
    ['certify', '--sut', pipeline.url, '--scenario', 'B-002,B-102', '--out', join(cli.dir, out)],
    {
      env: cli.env({ B2B_P_001_WEBHOOK_SECRET: secret, B2B_OPS_TOKEN: OPS_TOKEN }),
      timeoutMs: RUN_TIMEOUT_MS,
    },
  );
}

describe('b2b certify --sut URL', () => {
  it(
    'fails, and says why and how to rerun, when the secret is not the one the SUT holds',
    async () => {
      const run = await certifyRemote('wrong-secret', generateWebhookSecret());
      expect(run.code, run.stderr).toBe(1);
      const bundle = join(cli.dir, 'wrong-secret');
      const result = await readResult(bundle);

      const lines = run.stdout.split('\n');
      // Before anything runs, what the remote pipeline must hold: the operator wires it.
      expect(lines.slice(0, 4)).toEqual([
        'the system under test must be configured with (written to wrong-secret/sut-wiring.json):',
        expect.stringMatching(
          /^ {2}B2B_CERTIFICATION_TIME_SCALE=0\.001 +partner profile durations/,
        ),
        // Not handed over here: this run certifies the webhook flow only.
        expect.stringMatching(
          /^ {2}B2B_P_001_API_CLIENT_SECRET=<secret: as in your environment> +the secret of p_001's API client acme-orders \(not in this environment: the api scenarios cannot run\)$/,
        ),
        expect.stringMatching(
          /^ {2}B2B_P_001_WEBHOOK_SECRET=<secret: as in your environment> +the shared secret p_001/,
        ),
      ]);
      const b002 = lines.findIndex((line) => line.startsWith('B-002 '));
      expect(lines[b002]).toMatch(/^B-002 +FAIL /);
      const failure = lines.slice(
        b002 + 1,
        lines.findIndex((line) => line.startsWith('B-102 ')),
      );
      expect(failure).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^ +✗ delivery\.response: status: expected 200, got 401 \[delivery .*\.B-002\.created\.1 .*field status\]$/,
          ),
          expect.stringMatching(/^ +expected 200, actual 401$/),
          `           rerun: npx b2b certify --scenario B-002 --seed ${result.seed} --sut ${pipeline.url}`,
        ]),
      );
      // The tampered body is refused whatever the secret: B-102 still passes.
      expect(lines.find((line) => line.startsWith('B-102 '))).toMatch(/^B-102 +PASS /);
      expect(run.stdout).toContain(`2 scenarios: 1 passed, 1 failed`);

      expect(result).toMatchObject({
        sut: { mode: 'remote', url: pipeline.url },
        summary: { scenarios: 2, passed: 1, failed: 1, errors: 0 },
      });
      const [created] = result.scenarios[0]?.oracles ?? [];
      expect(created).toMatchObject({
        kind: 'delivery.response',
        verdict: 'fail',
        expected: 200,
        actual: 401,
      });
      // A remote SUT's log is not ours to read: those oracles are skipped, not failed.
      const logOracles = result.scenarios.flatMap((scenario) =>
        scenario.oracles.filter((oracle) => oracle.kind === 'log.recorded'),
      );
      expect(logOracles.length).toBeGreaterThan(0);
      for (const oracle of logOracles)
        expect(oracle).toMatchObject({
          verdict: 'skipped',
          message: 'the pipeline log of a remote SUT is not available',
        });

      const p001 = result.partners.find((partner) => partner.partner_id === 'p_001');
      expect(p001?.flows.find((flow) => flow.flow === 'webhook')).toMatchObject({
        verdict: 'failed',
        reason:
          'B-002 fail, connectivity: signature accepted (x-signature) failed (0 of 2 correctly signed deliveries accepted)',
      });
      expect(p001?.connectivity).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            check: 'partner registered for webhooks',
            detail: expect.stringContaining('shared secret read from B2B_P_001_WEBHOOK_SECRET'),
          }),
          expect.objectContaining({ check: 'signature accepted (x-signature)', ok: false }),
        ]),
      );

      // The evidence of a failed run is as sound as any: signed, complete, no pipeline log.
      const { fingerprint } = await loadOrCreateEvidenceKey({ keyFile: cli.keyFile, env: {} });
      expect(
        await verifyBundle(bundle, {
          trusted: [{ fingerprint, label: 'the scratch evidence key' }],
        }),
      ).toMatchObject({ ok: true, fingerprint });
      expect((await bundleFiles(bundle)).filter((file) => file.includes('pipeline'))).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'passes with the secret the SUT holds',
    async () => {
      const run = await certifyRemote('right-secret', pipeline.secret);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^B-002 +PASS /m);
      expect(run.stdout).toMatch(/^B-102 +PASS /m);
      const result = await readResult(join(cli.dir, 'right-secret'));
      expect(result.partners[0]?.connectivity.filter((check) => !check.ok)).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );
});
