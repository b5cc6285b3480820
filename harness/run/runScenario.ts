import type { StepDocument } from '../../contracts/scenarios/scenario.js';
import { performance } from 'node:perf_hooks';
import type { PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { isoUtc, type Clock } from '../../lib/clock.js';
import { errorMessage } from '../../lib/errors.js';
import type { SeededRandom } from '../../lib/seededRandom.js';
import { Journal } from '../../simulators/journal.js';
import { WebhookSender, type DeliveryRecord } from '../../simulators/webhook/webhookSender.js';
import type { EvidenceFolder } from '../evidence/evidenceFolder.js';
import type { OracleVerdict, ScenarioResult, StepResult } from '../model/runResult.js';
import { ORACLE_KINDS } from '../oracles/index.js';
import type { LoadedScenario } from '../scenarios/loadScenarios.js';
import { STEP_KINDS } from '../steps/index.js';
import { parsePrometheusText } from '../sut/metricsSnapshot.js';
import type { SystemUnderTest } from '../sut/systemUnderTest.js';
import type { ExchangeSummary } from './partnerReport.js';
import { scenarioCorrelationPrefix, type ScenarioContext } from './scenarioContext.js';

export interface ScenarioRun {
  runId: string;
  seed: number;
  random: SeededRandom;
  clock: Clock;
  sut: SystemUnderTest;
  partner: PartnerProfile;
  evidence: EvidenceFolder;
  rerun: string;
}

/**
 * One scenario, in named stages: prepare the fake partner → run the steps → judge with the
 * oracles → cut the evidence (journal, oracle inputs and verdicts, log excerpt).
 */
export async function runScenario(
  loaded: LoadedScenario,
  run: ScenarioRun,
): Promise<{ result: ScenarioResult; exchanges: ExchangeSummary[] }> {
  const scenario = loaded.document;
  const started = performance.now();
  const startedAtMs = Math.floor(run.clock.now() / 1000) * 1000;
  const folder = `scenarios/${scenario.id}`;
  const artifacts: string[] = [
    await run.evidence.writeText(`${folder}/scenario.yaml`, loaded.source),
  ];

  const journal = new Journal({ redactor: run.evidence.redactor });
  await run.evidence.ensureDir(folder);
  await journal.attachSink(run.evidence.path(`${folder}/journal.ndjson`));
  artifacts.push(`${folder}/journal.ndjson`);
  const sender = new WebhookSender({
    runId: run.runId,
    partnerId: run.partner.partner_id,
    target: `${run.sut.url}/webhooks/${encodeURIComponent(run.partner.partner_id)}`,
    secret: run.sut.webhookSecrets.get(run.partner.partner_id) ?? '',
    windowS: run.partner.webhook?.window_s ?? 300,
    clock: run.clock,
    random: run.random.fork('sender'),
    journal,
  });

  const steps: StepResult[] = [];
  const oracles: OracleVerdict[] = [];
  const exchanges: ExchangeSummary[] = [];
  let error: string | undefined;
  try {
    const context: ScenarioContext = {
      runId: run.runId,
      seed: run.seed,
      scenario,
      partner: run.partner,
      random: run.random,
      clock: run.clock,
      sut: run.sut,
      sender,
      startedAtMs,
      metricsAtStart: await readMetrics(run.sut),
      sentEvents: new Map(),
      deliveries: new Map(),
    };
    error = await runSteps(context, steps);
    for (const records of context.deliveries.values())
      exchanges.push(...records.map(summarizeExchange));
    if (error === undefined) await judge(context, oracles, run.evidence, folder, artifacts);
    if (run.sut.log) {
      const excerpt = run.sut.log.excerpt(scenarioCorrelationPrefix(context));
      artifacts.push(
        await run.evidence.writeText(
          `${folder}/pipeline-log.ndjson`,
          excerpt.map((line) => JSON.stringify(line)).join('\n') + '\n',
        ),
      );
    }
  } catch (caught) {
    error = errorMessage(caught);
  } finally {
    await journal.detachSink();
    await sender.close();
  }

  const verdict =
    error !== undefined
      ? 'error'
      : oracles.some((oracle) => oracle.verdict === 'fail')
        ? 'fail'
        : 'pass';
  const result: ScenarioResult = {
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
  return { result, exchanges };
}

function faultsOf(step: StepDocument): { faults?: string[] } {
  const faults = Array.isArray(step.faults)
    ? step.faults.map((fault: { name: string }) => fault.name)
    : [];
  return faults.length > 0 ? { faults } : {};
}

function summarizeExchange(record: DeliveryRecord): ExchangeSummary {
  const headers = record.entry.request.headers;
  const scheme =
    'x-signature' in headers
      ? 'x-signature'
      : 'webhook-signature' in headers
        ? 'standard-webhooks'
        : undefined;
  return { status: record.status, faults: record.faults, ...(scheme ? { scheme } : {}) };
}

async function runSteps(
  context: ScenarioContext,
  results: StepResult[],
): Promise<string | undefined> {
  for (const step of context.scenario.steps) {
    const kind = STEP_KINDS[step.kind];
    const started = performance.now();
    try {
      if (!kind) throw new Error(`unknown step kind ${step.kind}`);
      const output = await kind.run(step as never, context);
      context.deliveries.set(step.id, output.records);
      results.push({
        id: step.id,
        kind: step.kind,
        title: step.title,
        ...faultsOf(step),
        ok: true,
        exchanges: output.records.length,
        summary: output.summary,
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
        exchanges: 0,
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
    const kind = ORACLE_KINDS[oracle.kind];
    const title = kind ? kind.title(oracle as never) : oracle.kind;
    let check;
    let reads: unknown[] = [];
    try {
      if (!kind) throw new Error(`unknown oracle kind ${oracle.kind}`);
      const recorded = await context.sut.ops.recording(() =>
        kind.evaluate(oracle as never, context),
      );
      check = recorded.result;
      reads = recorded.reads;
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
