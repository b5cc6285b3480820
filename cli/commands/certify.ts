import { Command, InvalidArgumentError, Option } from 'commander';
import { relative } from 'node:path';
import type { ScenarioResult } from '../../harness/model/runResult.js';
import { certify } from '../../harness/run/certify.js';
import { describeWiring } from '../../harness/sut/sutWiring.js';
import { projectPath } from '../../lib/projectPaths.js';
import { EXIT } from '../exitCodes.js';
import { collect, parseSeed } from '../options.js';

/** `b2b certify`: run the scenarios against the pipeline and write signed evidence. */
export function certifyCommand(): Command {
  return new Command('certify')
    .description(
      'Run the MAE scenarios against a pipeline and write a signed evidence bundle.\n' +
        'Without --sut, starts the bundled pipeline on an embedded database (or DATABASE_URL).\n' +
        'Exit code: 0 all scenarios passed, 1 a scenario failed, 2 bad usage or configuration.',
    )
    .option('--partner <id>', 'only this partner (e.g. p_001)')
    .option('--scenario <id>', 'only this scenario; repeat or comma-separate for several', collect)
    .option('--sut <url>', 'certify a running pipeline at this URL instead of the bundled one')
    .option('--out <dir>', 'evidence folder (default runs/<run id>)')
    .option('--seed <n>', 'seed for every random choice, to rerun a run exactly', parseSeed)
    .option('--json', 'print the run result as JSON on stdout (progress goes to stderr)')
    .option('--partners <dir>', 'folder of partner profiles', projectPath('partners'))
    .option('--scenarios <dir>', 'folder of scenario files', projectPath('scenarios'))
    .option(
      '--certification-profile <file>',
      'certification profile (YAML): the time scale profile durations run at (default: ×0.001)',
    )
    .option(
      '--time-scale <factor>',
      'multiply profile durations (retry caps, 997 deadline, file window) by this, above 0 to 1',
      parseTimeScale,
    )
    .option('--keep-data', "keep the bundled pipeline's embedded database after the run")
    .addOption(
      new Option(
        '--evidence-key <file>',
        'Ed25519 private key (PKCS#8 PEM) that signs the evidence',
      ).env('B2B_EVIDENCE_KEY'),
    )
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  DATABASE_URL                postgres://… for the bundled pipeline (default: embedded PGlite)\n' +
        '  B2B_P_001_WEBHOOK_SECRET …  with --sut: the secrets the remote pipeline expects (named by the profiles)\n' +
        '  B2B_OPS_TOKEN               with --sut: bearer token for its /ops API\n' +
        '  (with --sut, certify first prints what the pipeline must be configured with, also in sut-wiring.json)\n' +
        '  B2B_EVIDENCE_KEY            signing key file (default .b2b/keys/evidence-ed25519.pem, created on first use)\n' +
        '\nExamples:\n  npx b2b certify\n  npx b2b certify --partner p_001 --scenario B-002,B-102\n  npx b2b certify --sut http://127.0.0.1:8080 --out runs/acme-golive',
    )
    .action(async (options: CertifyCliOptions) => {
      const progress = options.json ? process.stderr : process.stdout;
      const outcome = await certify({
        partnersDir: options.partners,
        scenariosDir: options.scenarios,
        partner: options.partner,
        scenarioIds: options.scenario,
        sutUrl: options.sut,
        outDir: options.out,
        seed: options.seed,
        certificationProfile: options.certificationProfile,
        timeScale: options.timeScale,
        keepData: options.keepData,
        evidenceKeyFile: options.evidenceKey,
        env: process.env,
        // A remote pipeline is wired by its operator: say what it must hold before anything runs.
        onWiring: options.sut
          ? (wiring, file) =>
              progress.write(`${describeWiring(wiring, relative(process.cwd(), file) || file)}\n`)
          : undefined,
        onScenarioDone: (result) => progress.write(scenarioLine(result)),
      });
      const { result } = outcome;
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ ...result, evidence: outcome.bundleDir }, null, 2)}\n`,
        );
      } else {
        const { summary } = result;
        progress.write(
          `\n${summary.scenarios} scenarios: ${summary.passed} passed, ${summary.failed} failed` +
            `${summary.errors > 0 ? `, ${summary.errors} could not run` : ''} · ${(result.duration_ms / 1000).toFixed(1)} s · seed ${result.seed}\n`,
        );
        progress.write(
          `evidence: ${relative(process.cwd(), outcome.reportPath) || outcome.reportPath} (signed by ${outcome.signedBy})\n`,
        );
        progress.write(
          `verify:   npx b2b evidence verify ${relative(process.cwd(), outcome.bundleDir) || outcome.bundleDir}\n`,
        );
      }
      process.exitCode = summary(result.summary) ? EXIT.ok : EXIT.failed;
    });
}

interface CertifyCliOptions {
  partner?: string;
  scenario?: string[];
  sut?: string;
  out?: string;
  seed?: number;
  json?: boolean;
  partners: string;
  scenarios: string;
  certificationProfile?: string;
  timeScale?: number;
  keepData?: boolean;
  evidenceKey?: string;
}

/** A time scale: a decimal above 0 and at most 1 (`0.001`, `1e-3`). */
function parseTimeScale(value: string): number {
  const scale = /^\s*$/.test(value) ? Number.NaN : Number(value);
  if (!(scale > 0 && scale <= 1))
    throw new InvalidArgumentError('must be a number above 0 and at most 1, e.g. 0.001');
  return scale;
}

function summary(counts: { failed: number; errors: number }): boolean {
  return counts.failed === 0 && counts.errors === 0;
}

/** `B-002      PASS    0.21 s  Webhook order.created, then a replay`, then what failed and how to rerun. */
function scenarioLine(result: ScenarioResult): string {
  const verdict = { pass: 'PASS', fail: 'FAIL', error: 'ERROR' }[result.verdict];
  const lines = [
    `${result.id.padEnd(10)} ${verdict.padEnd(6)} ${(result.duration_ms / 1000).toFixed(2).padStart(6)} s  ${result.title}`,
  ];
  if (result.error) lines.push(`           could not run: ${result.error}`);
  for (const oracle of result.oracles.filter((candidate) => candidate.verdict === 'fail')) {
    lines.push(
      `           ✗ ${oracle.kind}: ${oracle.message}${oracle.where ? ` [${oracle.where}]` : ''}`,
    );
    lines.push(
      `             expected ${JSON.stringify(oracle.expected)}, actual ${JSON.stringify(oracle.actual)}`,
    );
  }
  if (result.verdict !== 'pass') lines.push(`           rerun: ${result.rerun}`);
  return `${lines.join('\n')}\n`;
}
