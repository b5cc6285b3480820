import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import {
  loadPartnerProfiles,
  piiFields,
  type PartnerProfile,
} from '../../contracts/partners/partnerProfile.js';
import { isoUtc, systemClock, type Clock } from '../../lib/clock.js';
import { errorMessage, RunError, UsageError } from '../../lib/errors.js';
import { Redactor } from '../../lib/redact.js';
import { newRunId } from '../../lib/runId.js';
import { randomSeed, seededRandom } from '../../lib/seededRandom.js';
import { loadOrCreateEvidenceKey } from '../evidence/evidenceKey.js';
import { EvidenceFolder } from '../evidence/evidenceFolder.js';
import { junitXml } from '../evidence/junitXml.js';
import { renderReport } from '../evidence/renderReport.js';
import { sealBundle } from '../evidence/sealBundle.js';
import type { RunResult, ScenarioResult } from '../model/runResult.js';
import { loadScenarios, type LoadedScenario } from '../scenarios/loadScenarios.js';
import { connectRemoteSut } from '../sut/connectRemoteSut.js';
import { startBundledPipeline } from '../sut/startBundledPipeline.js';
import type { SystemUnderTest } from '../sut/systemUnderTest.js';
import { partnerReport, type ConnectivityEvidence, type ExchangeSummary } from './partnerReport.js';
import { rerunCommand } from './rerunCommand.js';
import { runScenario } from './runScenario.js';
import { toolIdentity } from './toolIdentity.js';

export interface CertifyOptions {
  partnersDir: string;
  scenariosDir: string;
  /** Only this partner's scenarios (and only this partner in the report). */
  partner?: string;
  /** Only these scenarios. */
  scenarioIds?: string[];
  /** Certify a running pipeline instead of starting the bundled one. */
  sutUrl?: string;
  /** Evidence folder; `runs/<run id>` when absent. */
  outDir?: string;
  seed?: number;
  /** Keep the bundled pipeline's embedded database after the run. */
  keepData?: boolean;
  evidenceKeyFile?: string;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  onScenarioStart?(scenario: LoadedScenario): void;
  onScenarioDone?(result: ScenarioResult): void;
}

export interface CertifyOutcome {
  result: RunResult;
  bundleDir: string;
  reportPath: string;
  signedBy: string;
}

/**
 * `b2b certify`, as a pipeline of named stages:
 *
 *   select scenarios ─> open evidence folder ─> start or reach the SUT ─> run each scenario
 *        ─> report per partner and flow ─> write result.json, junit.xml, report.html ─> seal
 */
export async function certify(options: CertifyOptions): Promise<CertifyOutcome> {
  const clock = options.clock ?? systemClock;
  const started = performance.now();
  const startedAt = clock.now();
  const profiles = await loadPartnerProfiles(options.partnersDir);
  const scenarios = selectScenarios(
    await loadScenarios(options.scenariosDir, profiles),
    profiles,
    options,
  );
  const partners = [...profiles.values()].filter((profile) =>
    options.partner ? profile.partner_id === options.partner : true,
  );
  const key = await loadOrCreateEvidenceKey({ keyFile: options.evidenceKeyFile, env: options.env });

  const runId = newRunId(startedAt);
  const seed = options.seed ?? randomSeed();
  const root = seededRandom(seed);
  // One redactor for the run: every evidence file, the journals and the pipeline log. It learns
  // the secrets once the SUT is reached (reachSut).
  const redactor = new Redactor({ piiFields: [...profiles.values()].flatMap(piiFields) });
  const evidence = await EvidenceFolder.create(options.outDir ?? `runs/${runId}`, redactor);
  const dataDir = `.b2b/data/${runId}`;

  let sut: SystemUnderTest;
  let readyz: { status: number; body: unknown };
  let registered: ConnectivityEvidence['registeredPartners'];
  try {
    sut = await reachSut(options, partners, profiles, evidence, dataDir);
    ({ readyz, registered } = await firstContact(sut));
  } catch (error) {
    await evidence.discard();
    if (!options.sutUrl) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const results: ScenarioResult[] = [];
  const exchanges = new Map<string, ExchangeSummary[]>();
  try {
    for (const scenario of scenarios) {
      options.onScenarioStart?.(scenario);
      const partner = profiles.get(scenario.document.partner) as PartnerProfile;
      const { result, exchanges: made } = await runScenario(scenario, {
        runId,
        seed,
        random: root.fork(scenario.document.id),
        clock,
        sut,
        partner,
        evidence,
        rerun: rerunCommand(scenario.document.id, seed, options),
      });
      results.push(result);
      exchanges.set(result.id, made);
      options.onScenarioDone?.(result);
    }
  } finally {
    await sut.stop();
    if (sut.mode === 'bundled' && !options.keepData)
      await rm(dataDir, { recursive: true, force: true });
  }

  const unredacted: RunResult = {
    run_id: runId,
    seed,
    started_at: isoUtc(startedAt),
    finished_at: isoUtc(clock.now()),
    duration_ms: Math.round(performance.now() - started),
    tool: await toolIdentity(),
    sut: { mode: sut.mode, url: sut.url, ...(sut.engine ? { engine: sut.engine } : {}) },
    signer: { fingerprint: key.fingerprint },
    summary: {
      scenarios: results.length,
      passed: results.filter((scenario) => scenario.verdict === 'pass').length,
      failed: results.filter((scenario) => scenario.verdict === 'fail').length,
      errors: results.filter((scenario) => scenario.verdict === 'error').length,
    },
    partners: partners.map((profile) =>
      partnerReport(profile, results, {
        readyz,
        registeredPartners: registered,
        exchanges,
        secretSource:
          sut.mode === 'bundled'
            ? 'generated for this run and handed to both sides (never written to disk)'
            : `read from ${profile.webhook?.secret_env ?? 'the environment'}`,
      }),
    ),
    scenarios: results,
  };

  // The report and JUnit render from the redacted result (their markup would hide PII from a
  // pattern), and so does what the CLI prints.
  const result = redactor.json(unredacted);
  await evidence.writeJson('result.json', result);
  await evidence.writeText('junit.xml', junitXml(result));
  await evidence.writeText('report.html', await renderReport(result));
  const sealed = await sealBundle(evidence.dir, key);
  return {
    result,
    bundleDir: evidence.dir,
    reportPath: evidence.path('report.html'),
    signedBy: sealed.fingerprint,
  };
}

/** The SUT answers, and says which partners it knows; anything else stops the run cleanly. */
async function firstContact(sut: SystemUnderTest): Promise<{
  readyz: { status: number; body: unknown };
  registered: ConnectivityEvidence['registeredPartners'];
}> {
  try {
    const readyz = await sut.ops.get('/readyz');
    const partners = await sut.ops.get<{ items: ConnectivityEvidence['registeredPartners'] }>(
      '/ops/partners',
    );
    if (partners.status === 401) {
      throw new RunError(
        `the system under test at ${sut.url} refused the ops token (401 on /ops/partners); set B2B_OPS_TOKEN`,
      );
    }
    return { readyz, registered: partners.status === 200 ? partners.body.items : undefined };
  } catch (error) {
    await sut.stop().catch(() => undefined);
    if (error instanceof RunError) throw error;
    const code = (error as { code?: string }).code;
    throw new RunError(
      `the system under test at ${sut.url} does not answer (${code ?? errorMessage(error)})`,
    );
  }
}

function selectScenarios(
  all: LoadedScenario[],
  profiles: Map<string, PartnerProfile>,
  options: CertifyOptions,
): LoadedScenario[] {
  if (options.partner && !profiles.has(options.partner)) {
    throw new UsageError(
      `--partner ${options.partner}: no such partner (known: ${[...profiles.keys()].join(', ')})`,
    );
  }
  const unknown = (options.scenarioIds ?? []).filter(
    (id) => !all.some((scenario) => scenario.document.id === id),
  );
  if (unknown.length > 0)
    throw new UsageError(
      `--scenario ${unknown.join(', ')}: no such scenario (see b2b scenarios list)`,
    );
  const selected = all.filter(
    (scenario) =>
      (!options.partner || scenario.document.partner === options.partner) &&
      (!options.scenarioIds?.length || options.scenarioIds.includes(scenario.document.id)),
  );
  if (selected.length === 0) {
    const covered = [...new Set(all.map((scenario) => scenario.document.partner))].join(', ');
    const asked = [
      options.partner && `partner ${options.partner}`,
      options.scenarioIds?.length && `scenarios ${options.scenarioIds.join(', ')}`,
    ]
      .filter(Boolean)
      .join(' and ');
    throw new UsageError(
      `no scenario for ${asked} (scenarios exist for ${covered || 'no partner'})`,
    );
  }
  return selected;
}

async function reachSut(
  options: CertifyOptions,
  partners: PartnerProfile[],
  profiles: Map<string, PartnerProfile>,
  evidence: EvidenceFolder,
  dataDir: string,
): Promise<SystemUnderTest> {
  if (options.sutUrl) {
    const remote = connectRemoteSut(
      options.sutUrl,
      new Map(partners.map((profile) => [profile.partner_id, profile])),
      options.env,
    );
    evidence.redactor.addSecrets([
      ...remote.webhookSecrets.values(),
      options.env.B2B_OPS_TOKEN ?? '',
    ]);
    return remote;
  }
  await evidence.ensureDir('pipeline');
  return startBundledPipeline({
    profiles,
    partnersDir: options.partnersDir,
    dataDir,
    logFile: evidence.path('pipeline/pipeline.log.ndjson'),
    env: options.env,
    redactor: evidence.redactor,
  });
}
