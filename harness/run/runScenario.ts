import { performance } from 'node:perf_hooks';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type { StepDocument } from '../../contracts/scenarios/scenario.js';
import { isoUtc, type Clock } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import type { SeededRandom } from '../../lib/seededRandom.js';
import { Journal } from '../../simulators/journal.js';
import type { EvidenceFolder } from '../evidence/evidenceFolder.js';
import type { Exchange, ExchangeDraft } from '../exchanges/exchange.js';
import { ExchangeLog } from '../exchanges/exchangeLog.js';
import type { Flow, FlowSession } from '../flows/flow.js';
import { ORACLE_KINDS } from '../flows/index.js';
import type { OracleVerdict, ScenarioResult, StepResult } from '../model/runResult.js';
import type { LoadedScenario } from '../scenarios/loadScenarios.js';
import { parsePrometheusText } from '../sut/metricsSnapshot.js';
import type { SystemUnderTest } from '../sut/systemUnderTest.js';
import type { CertificationTime } from '../time/certificationTime.js';
import { PartnerDocuments } from './partnerDocuments.js';
import { scenarioCorrelationPrefix, type ScenarioContext } from './scenarioContext.js';

export interface ScenarioRun {
  runId: string;
  seed: number;
  random: SeededRandom;
  clock: Clock;
  time: CertificationTime;
  sut: SystemUnderTest;
  partner: PartnerProfile;
  evidence: EvidenceFolder;
  rerun: string;
  /** The scenario's flow, and what it provisioned for this partner in this run. */
  flow: Flow;
  side: unknown;
  /** Hears each exchange as it is recorded: the flow's report for the partner counts it. */
  onExchange?(exchange: Exchange): void;
}

/** Journal entries kept in memory: the file holds them all, and nothing reads them back. */
const JOURNAL_ENTRIES_IN_MEMORY = 100;

/**
 * One scenario, in named stages: open the flow's partner side → run the steps, each exchange
 * streamed to the evidence → judge with the oracles, which read the exchanges back → cut the
 * evidence (journal, exchanges, oracle inputs and verdicts, log excerpt).
 */
export async function runScenario(
  loaded: LoadedScenario,
  run: ScenarioRun,
): Promise<ScenarioResult> {
  const scenario = loaded.document;
  const started = performance.now();
  const startedAtMs = Math.floor(run.clock.now() / 1000) * 1000;
  const folder = `scenarios/${scenario.id}`;
  const artifacts: string[] = [
    await run.evidence.writeText(`${folder}/scenario.yaml`, loaded.source),
  ];

  const journal = new Journal({
    redactor: run.evidence.redactor,
    capacity: JOURNAL_ENTRIES_IN_MEMORY,
  });
  await run.evidence.ensureDir(folder);
  await journal.attachSink(run.evidence.path(`${folder}/journal.ndjson`));
  artifacts.push(`${folder}/journal.ndjson`);
  const exchanges = await ExchangeLog.create(
    run.evidence.path(`${folder}/exchanges.ndjson`),
    run.evidence.redactor,
  );
  artifacts.push(`${folder}/exchanges.ndjson`);
  const logMark = run.sut.log?.mark();

  const steps: StepResult[] = [];
  const oracles: OracleVerdict[] = [];
  let error: string | undefined;
  let opened: FlowSession<unknown> | undefined;
  try {
    const context: ScenarioContext = {
      runId: run.runId,
      seed: run.seed,
      scenario,
      partner: run.partner,
      random: run.random,
      clock: run.clock,
      time: run.time,
      sut: run.sut,
      startedAtMs,
      metricsAtStart: await readMetrics(run.sut),
      documents: new PartnerDocuments(),
      exchanges,
    };
    opened = await run.flow.openSession({ context, side: run.side, journal });
    error = await runSteps(context, run, opened.session, steps);
    if (error === undefined) await judge(context, oracles, run.evidence, folder, artifacts);
    if (run.sut.log && logMark !== undefined) {
      artifacts.push(
        await run.sut.log.writeExcerpt(
          scenarioCorrelationPrefix(context),
          logMark,
          run.evidence.path(`${folder}/pipeline-log.ndjson`),
          `${folder}/pipeline-log.ndjson`,
        ),
      );
    }
  } catch (caught) {
    error = errorMessage(caught);
  } finally {
    await opened?.close();
    await journal.detachSink();
    await exchanges.close();
  }

  const verdict =
    error !== undefined
      ? 'error'
      : oracles.some((oracle) => oracle.verdict === 'fail')
        ? 'fail'
        : 'pass';
  return {
    id: scenario.id,
    title: scenario.title,
    expected: scenario.expected,
    ...(scenario.source ? { source: scenario.source } : {}),
    kind: scenario.kind,
    partner_id: scenario.partner,
    flow: scenario.flow,
    verdict,
    started_at: isoUtc(startedAtMs),
    duration_ms: Math.round(performance.now() - started),
    steps,
    oracles,
    artifacts,
    rerun: run.rerun,
    ...(error !== undefined ? { error } : {}),
  };
}

function faultsOf(step: StepDocument): { faults?: string[] } {
  const faults = Array.isArray(step.faults)
    ? step.faults.map((fault: { name: string }) => fault.name)
    : [];
  return faults.length > 0 ? { faults } : {};
}

async function runSteps(
  context: ScenarioContext,
  run: ScenarioRun,
  session: unknown,
  results: StepResult[],
): Promise<string | undefined> {
  for (const step of context.scenario.steps) {
    const kind = run.flow.steps.find((candidate) => candidate.kind === step.kind);
    const started = performance.now();
    const record = async (draft: ExchangeDraft) => {
      const exchange = await context.exchanges.append(step.id, draft);
      run.onExchange?.(exchange);
    };
    try {
      if (!kind) throw new Error(`the ${run.flow.mode} flow has no step kind ${step.kind}`);
      const output = await kind.run(step as never, { context, session, record });
      results.push({
        id: step.id,
        kind: step.kind,
        title: step.title,
        ...faultsOf(step),
        ok: true,
        exchanges: context.exchanges.count(step.id),
        summary: output?.summary ?? context.exchanges.summary(step.id),
        duration_ms: Math.round(performance.now() - started),
      });
    } catch (caught) {
      const message = errorMessage(caught);
      results.push({
        id: step.id,
        kind: step.kind,
        title: step.title,
        ...faultsOf(step),
        ok: false,
        exchanges: context.exchanges.count(step.id),
        summary: 'could not be carried out',
        error: message,
        duration_ms: Math.round(performance.now() - started),
      });
      return `step "${step.id}" failed: ${message}`;
    }
  }
  return undefined;
}

async function judge(
  context: ScenarioContext,
  verdicts: OracleVerdict[],
  evidence: EvidenceFolder,
  folder: string,
  artifacts: string[],
): Promise<void> {
  for (const [index, oracle] of context.scenario.oracles.entries()) {
    const kind = ORACLE_KINDS.get(oracle.kind)?.oracle;
    const title = kind ? kind.title(oracle as never) : oracle.kind;
    let check;
    let reads: unknown[] = [];
    let readsNotKept = 0;
    try {
      if (!kind) throw new Error(`unknown oracle kind ${oracle.kind}`);
      const recorded = await context.sut.ops.recording(() =>
        kind.evaluate(oracle as never, context),
      );
      check = recorded.result;
      reads = recorded.reads;
      readsNotKept = recorded.readsNotKept;
    } catch (caught) {
      check = {
        verdict: 'fail' as const,
        expected: 'a readable answer from the SUT',
        actual: errorMessage(caught),
        where: oracle.kind,
        message: `could not evaluate: ${errorMessage(caught)}`,
      };
    }
    const artifact = await evidence.writeJson(
      `${folder}/oracles/${String(index + 1).padStart(2, '0')}-${oracle.kind}.json`,
      {
        oracle,
        title,
        verdict: check.verdict,
        expected: check.expected,
        actual: check.actual,
        where: check.where,
        message: check.message,
        inputs: reads,
        ...(readsNotKept > 0 ? { inputs_not_kept: readsNotKept } : {}),
      },
    );
    artifacts.push(artifact);
    verdicts.push({
      kind: oracle.kind,
      title,
      verdict: check.verdict,
      expected: check.expected,
      actual: check.actual,
      ...(check.where ? { where: check.where } : {}),
      message: check.message,
      artifact,
    });
  }
}

async function readMetrics(sut: SystemUnderTest) {
  const response = await sut.ops.get<string>('/metrics');
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return parsePrometheusText(String(response.body));
}
