import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { SutWiring, WiringSetting } from '../../contracts/ops/sutWiring.js';
import {
  loadPartnerProfiles,
  piiFields,
  type PartnerProfile,
} from '../../contracts/partners/partnerProfile.js';
import { isoUtc, systemClock, type Clock } from '../../lib/clock.js';
import { UsageError } from '../../lib/errors.js';
import { Redactor } from '../../lib/redact.js';
import { newRunId } from '../../lib/runId.js';
import { randomSeed, seededRandom } from '../../lib/seededRandom.js';
import { loadOrCreateEvidenceKey } from '../evidence/evidenceKey.js';
import { EvidenceFolder } from '../evidence/evidenceFolder.js';
import { junitXml } from '../evidence/junitXml.js';
import { renderReport } from '../evidence/renderReport.js';
import { sealBundle } from '../evidence/sealBundle.js';
import type { FlowPartnerReport } from '../flows/flow.js';
import { FLOWS } from '../flows/index.js';
import type { RunResult, ScenarioResult } from '../model/runResult.js';
import { loadScenarios, type LoadedScenario } from '../scenarios/loadScenarios.js';
import { connectRemoteSut } from '../sut/connectRemoteSut.js';
import { firstContact, type FirstContact } from '../sut/firstContact.js';
import { startBundledPipeline } from '../sut/startBundledPipeline.js';
import { sutWiring } from '../sut/sutWiring.js';
import type { SystemUnderTest } from '../sut/systemUnderTest.js';
import {
  resolveCertificationTime,
  scaledDurations,
  timeScaleSetting,
} from '../time/certificationTime.js';
import { partnerReport } from './partnerReport.js';
import { flowsOf, provisionPartners, type ProvisionedRun } from './provisionPartners.js';
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
  /** A certification profile file (time scale); the built-in one when absent. */
  certificationProfile?: string;
  /** The time scale, overriding any profile. */
  timeScale?: number;
  /** Keep the bundled pipeline's embedded database after the run. */
  keepData?: boolean;
  evidenceKeyFile?: string;
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** What the SUT is configured with, once it answers and before the first scenario. */
  onWiring?(wiring: SutWiring, file: string): void;
  onScenarioStart?(scenario: LoadedScenario): void;
  onScenarioDone?(result: ScenarioResult): void;
}

export interface CertifyOutcome {
  result: RunResult;
  bundleDir: string;
  reportPath: string;
  signedBy: string;
}

const WIRING_FILE = 'sut-wiring.json';

/**
 * `b2b certify`, as a pipeline of named stages:
 *
 *   select scenarios ─> open evidence folder ─> provision every partner's flows (credentials,
 *   partner-side servers) ─> write the wiring ─> start or reach the SUT with it ─> run each
 *   scenario through its flow ─> report per partner and flow ─> write result.json, junit.xml,
 *   report.html ─> seal
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
  const time = await resolveCertificationTime({
    profileFile: options.certificationProfile,
    timeScale: options.timeScale,
  });
  const key = await loadOrCreateEvidenceKey({ keyFile: options.evidenceKeyFile, env: options.env });

  const runId = newRunId(startedAt);
  const seed = options.seed ?? randomSeed();
  const root = seededRandom(seed);
  // One redactor for the run: every evidence file, the journals, the exchanges and the pipeline
  // log. It learns the secrets as the flows provision them.
  const redactor = new Redactor({ piiFields: [...profiles.values()].flatMap(piiFields) });
  const evidence = await EvidenceFolder.create(options.outDir ?? `runs/${runId}`, redactor);
  const dataDir = `.b2b/data/${runId}`;

  let provisioned: ProvisionedRun | undefined;
  let sut: SystemUnderTest;
  let contact: FirstContact;
  try {
    // The bundled pipeline loads every profile, so every partner is wired; a remote one is
    // certified for the selected partners only.
    provisioned = await provisionPartners(options.sutUrl ? partners : profiles.values(), {
      runId,
      sut: options.sutUrl ? 'remote' : 'bundled',
      env: options.env,
      time,
    });
    redactor.addSecrets([...provisioned.secrets, options.env.B2B_OPS_TOKEN ?? '']);
    const settings = [timeScaleSetting(time), ...provisioned.settings];
    const wiring = sutWiring(runId, time, settings, provisioned.servers);
    await evidence.writeJson(WIRING_FILE, wiring);
    sut = await reachSut(options, settings, evidence, dataDir);
    contact = await firstContact(sut);
    // Said once the SUT answers: a run that cannot start leaves no file to point at.
    options.onWiring?.(wiring, evidence.path(WIRING_FILE));
  } catch (error) {
    await provisioned?.stop();
    await evidence.discard();
    if (!options.sutUrl) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  // Each flow's account of each partner in the report, fed exchange by exchange.
  const reports = new Map(
    partners.map((profile) => [
      profile.partner_id,
      new Map(
        flowsOf(profile).map((flow): [string, FlowPartnerReport] => [
          flow.mode,
          flow.report(profile, provisioned.side(profile.partner_id, flow.mode)),
        ]),
      ),
    ]),
  );
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      options.onScenarioStart?.(scenario);
      const partner = profiles.get(scenario.document.partner) as PartnerProfile;
      const flow = FLOWS[scenario.document.flow];
      if (!flow)
        throw new UsageError(`scenario ${scenario.document.id}: no flow ${scenario.document.flow}`);
      const report = reports.get(partner.partner_id)?.get(flow.mode);
      const result = await runScenario(scenario, {
        runId,
        seed,
        random: root.fork(scenario.document.id),
        clock,
        time,
        sut,
        partner,
        evidence,
        rerun: rerunCommand(scenario.document.id, seed, options),
        flow,
        side: provisioned.side(partner.partner_id, flow.mode),
        onExchange: report ? (exchange) => report.count(exchange) : undefined,
      });
      results.push(result);
      options.onScenarioDone?.(result);
    }
  } finally {
    await sut.stop();
    // Partner-side servers outlive the pipeline: it may still be calling them as it stops.
    await provisioned.stop();
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
    sut: {
      mode: sut.mode,
      url: sut.url,
      ...(sut.engine ? { engine: sut.engine } : {}),
      wiring: WIRING_FILE,
    },
    signer: { fingerprint: key.fingerprint },
    certification_time: {
      scale: time.scale,
      source: time.source,
      durations: scaledDurations(time, partners),
    },
    summary: {
      scenarios: results.length,
      passed: results.filter((scenario) => scenario.verdict === 'pass').length,
      failed: results.filter((scenario) => scenario.verdict === 'fail').length,
      errors: results.filter((scenario) => scenario.verdict === 'error').length,
    },
    partners: partners.map((profile) =>
      partnerReport(profile, results, contact, reports.get(profile.partner_id) ?? new Map()),
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
  settings: WiringSetting[],
  evidence: EvidenceFolder,
  dataDir: string,
): Promise<SystemUnderTest> {
  if (options.sutUrl) return connectRemoteSut(options.sutUrl, options.env);
  await evidence.ensureDir('pipeline');
  return startBundledPipeline({
    partnersDir: options.partnersDir,
    settings,
    dataDir,
    logFile: evidence.path('pipeline/pipeline.log.ndjson'),
    env: options.env,
    redactor: evidence.redactor,
  });
}
