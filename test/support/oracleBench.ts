import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { piiFields, type PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type {
  OracleDocument,
  ScenarioDocument,
  StepDocument,
} from '../../contracts/scenarios/scenario.js';
import { compileSchema, describeSchemaErrors } from '../../contracts/schemaValidator.js';
import { seededRandom } from '../../lib/seededRandom.js';
import type { Exchange } from '../../harness/exchanges/exchange.js';
import { ExchangeLog } from '../../harness/exchanges/exchangeLog.js';
import type { FlowSession } from '../../harness/flows/flow.js';
import { FLOWS, ORACLE_KINDS, STEP_KINDS } from '../../harness/flows/index.js';
import type { OracleCheck } from '../../harness/oracles/index.js';
import { PartnerDocuments } from '../../harness/run/partnerDocuments.js';
import type { ScenarioContext } from '../../harness/run/scenarioContext.js';
import { SCENARIO_SCHEMA_ID, scenarioSchema } from '../../harness/scenarios/scenarioSchema.js';
import { parsePrometheusText } from '../../harness/sut/metricsSnapshot.js';
import { OpsClient, type SurfaceRead } from '../../harness/sut/opsClient.js';
import type { PipelineLog } from '../../harness/sut/pipelineLog.js';
import type { SystemUnderTest } from '../../harness/sut/systemUnderTest.js';
import { DEFAULT_CERTIFICATION_TIME } from '../../harness/time/certificationTime.js';
import { Journal } from '../../simulators/journal.js';
import {
  startPipelineUnderTest,
  WEBHOOK_PARTNER,
  type PipelineUnderTest,
} from './pipelineUnderTest.js';

/**
 * A bench for oracle tests: the pipeline in-process (PGlite in memory, a FakeClock, an ops token)
 * on an ephemeral port of 127.0.0.1, seen from the harness's side as a SystemUnderTest (ops
 * client, no log) with the webhook flow's side for the partner (its secret). `play` runs real
 * steps through the flows' step kinds with a real session, exactly as runScenario does, each
 * exchange into a real exchange log; `judge` evaluates one oracle against what they did.
 */
export interface OracleBench {
  pipeline: PipelineUnderTest;
  sut: SystemUnderTest;
  partner: PartnerProfile;
  play(steps: StepDocument[], options?: PlayOptions): Promise<ScenarioContext>;
  judge(oracle: OracleDocument, context: ScenarioContext): Promise<Judgement>;
  close(): Promise<void>;
}

export interface PlayOptions {
  /** The pipeline log the context's SUT carries (the bundled pipeline's); none by default. */
  log?: PipelineLog;
  /** Send to this inbox URL instead of the pipeline's (e.g. a closed port). */
  target?: string;
  seed?: number;
}

export interface Judgement extends OracleCheck {
  /** What the oracle read from the SUT while judging. */
  reads: SurfaceRead[];
}

export const BENCH_OPS_TOKEN = 'bench-ops-token-0123456789abcdef';

const validateOracle = (() => {
  compileSchema(scenarioSchema);
  return compileSchema<OracleDocument>({
    $id: 'https://b2b.local/test/bench-oracle.schema.json',
    $ref: `${SCENARIO_SCHEMA_ID}#/$defs/oracle`,
  } as { $id: string });
})();

const validateStep = (() => {
  compileSchema(scenarioSchema);
  return compileSchema<StepDocument>({
    $id: 'https://b2b.local/test/bench-step.schema.json',
    $ref: `${SCENARIO_SCHEMA_ID}#/$defs/step`,
  } as { $id: string });
})();

let plays = 0;

/** Each play's exchanges by step, as they were recorded, for the tests' own lookups. */
const recorded = new WeakMap<ScenarioContext, Map<string, Exchange[]>>();

export async function startOracleBench(): Promise<OracleBench> {
  const pipeline = await startPipelineUnderTest({ name: 'pglite' }, { opsToken: BENCH_OPS_TOKEN });
  const partner = pipeline.profiles.get(WEBHOOK_PARTNER) as PartnerProfile;
  const ops = new OpsClient(pipeline.url, BENCH_OPS_TOKEN);
  const sut: SystemUnderTest = { mode: 'remote', url: pipeline.url, ops, stop: () => ops.close() };
  const folder = await mkdtemp(join(tmpdir(), 'b2b-oracle-bench-'));
  const sessions: FlowSession<unknown>[] = [];
  const logs: ExchangeLog[] = [];

  return {
    pipeline,
    sut,
    partner,
    async play(steps, options = {}) {
      for (const step of steps) {
        if (!validateStep(step))
          throw new Error(`bench step is not a valid scenario step: ${problems(validateStep)}`);
      }
      plays += 1;
      // Run ids are unique per play, so plays on one pipeline never share events or orders.
      const runId = `bench${plays}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const scenario: ScenarioDocument = {
        id: 'B-900',
        title: 'oracle bench',
        kind: 'exception',
        partner: WEBHOOK_PARTNER,
        flow: 'webhook',
        expected: 'whatever the test says',
        steps,
        oracles: [],
      };
      const random = seededRandom(options.seed ?? 7);
      const metrics = await ops.get<string>('/metrics');
      if (metrics.status !== 200) throw new Error(`GET /metrics answered ${metrics.status}`);
      const exchanges = await ExchangeLog.create(join(folder, `play-${plays}.ndjson`));
      logs.push(exchanges);
      // `target` stands in for the pipeline's inbox: the sender aims at <base>/webhooks/<partner>.
      const base = options.target?.replace(/\/webhooks\/[^/]+$/, '') ?? pipeline.url;
      const context: ScenarioContext = {
        runId,
        seed: random.seed,
        scenario,
        partner,
        random,
        clock: pipeline.clock,
        time: DEFAULT_CERTIFICATION_TIME,
        sut: { ...sut, url: base, ...(options.log ? { log: options.log } : {}) },
        startedAtMs: Math.floor(pipeline.clock.now() / 1000) * 1000,
        metricsAtStart: parsePrometheusText(String(metrics.body)),
        documents: new PartnerDocuments(),
        exchanges,
      };
      const flow = FLOWS.webhook;
      if (!flow) throw new Error('no webhook flow');
      const opened = await flow.openSession({
        context,
        side: { secret: pipeline.secret, secretSource: 'the bench pipeline' },
        journal: new Journal({ piiFields: piiFields(partner) }),
      });
      sessions.push(opened);
      const byStep = new Map<string, Exchange[]>();
      recorded.set(context, byStep);
      for (const step of steps) {
        const registered = STEP_KINDS.get(step.kind);
        if (!registered) throw new Error(`unknown step kind ${step.kind}`);
        await registered.step.run(step as never, {
          context,
          session: opened.session,
          record: async (draft) => {
            const exchange = await exchanges.append(step.id, draft);
            byStep.set(step.id, [...(byStep.get(step.id) ?? []), exchange]);
          },
        });
      }
      return context;
    },
    async judge(oracle, context) {
      if (!validateOracle(oracle))
        throw new Error(`bench oracle is not a valid scenario oracle: ${problems(validateOracle)}`);
      const kind = ORACLE_KINDS.get(oracle.kind)?.oracle;
      if (!kind) throw new Error(`unknown oracle kind ${oracle.kind}`);
      const { result, reads } = await context.sut.ops.recording(() =>
        kind.evaluate(oracle as never, context),
      );
      return { ...result, reads };
    },
    async close() {
      await Promise.allSettled(sessions.map((session) => session.close()));
      await Promise.allSettled(logs.map((log) => log.close()));
      await ops.close();
      await pipeline.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

function problems(validate: { errors?: Parameters<typeof describeSchemaErrors>[0] }): string {
  return describeSchemaErrors(validate.errors)
    .map((problem) => `${problem.path || '/'} ${problem.reason}`)
    .join('; ');
}

/** The exchanges a step of a play made, in order, as the exchange log holds them. */
export function exchangesOf(context: ScenarioContext, stepId: string): Exchange[] {
  return recorded.get(context)?.get(stepId) ?? [];
}

/** The id a step's nth delivery carries (the sender numbers deliveries per play, from 1). */
export function correlationIdOf(context: ScenarioContext, stepId: string, nth = 0): string {
  const exchange = exchangesOf(context, stepId)[nth];
  if (!exchange) throw new Error(`step ${stepId} has no delivery #${nth}`);
  return exchange.correlation_id;
}

/** An inbox URL on a loopback port nothing listens on any more: every delivery gets no answer. */
export async function unreachableInbox(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhooks/${WEBHOOK_PARTNER}`;
}
