import { createServer } from 'node:net';
import { piiFields, type PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import type {
  OracleDocument,
  ScenarioDocument,
  StepDocument,
} from '../../contracts/scenarios/scenario.js';
import { scenarioSchema } from '../../contracts/scenarios/scenario.js';
import { compileSchema, describeSchemaErrors } from '../../contracts/schemaValidator.js';
import { seededRandom } from '../../lib/seededRandom.js';
import { ORACLE_KINDS, type OracleCheck } from '../../harness/oracles/index.js';
import type { ScenarioContext } from '../../harness/run/scenarioContext.js';
import { STEP_KINDS } from '../../harness/steps/index.js';
import { parsePrometheusText } from '../../harness/sut/metricsSnapshot.js';
import { OpsClient, type SurfaceRead } from '../../harness/sut/opsClient.js';
import type { PipelineLog } from '../../harness/sut/pipelineLog.js';
import type { SystemUnderTest } from '../../harness/sut/systemUnderTest.js';
import { Journal } from '../../simulators/journal.js';
import { WebhookSender } from '../../simulators/webhook/webhookSender.js';
import {
  startPipelineUnderTest,
  WEBHOOK_PARTNER,
  type PipelineUnderTest,
} from './pipelineUnderTest.js';

/**
 * A bench for oracle tests: the pipeline in-process (PGlite in memory, a FakeClock, an ops token)
 * on an ephemeral port of 127.0.0.1, seen from the harness's side as a SystemUnderTest (ops
 * client + webhook secret, no log). `play` runs real steps through STEP_KINDS with a real
 * WebhookSender, exactly as runScenario does; `judge` evaluates one oracle against what they did.
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
    $ref: `${scenarioSchema.$id}#/$defs/oracle`,
  } as { $id: string });
})();

const validateStep = (() => {
  compileSchema(scenarioSchema);
  return compileSchema<StepDocument>({
    $id: 'https://b2b.local/test/bench-step.schema.json',
    $ref: `${scenarioSchema.$id}#/$defs/step`,
  } as { $id: string });
})();

let plays = 0;

export async function startOracleBench(): Promise<OracleBench> {
  const pipeline = await startPipelineUnderTest({ name: 'pglite' }, { opsToken: BENCH_OPS_TOKEN });
  const partner = pipeline.profiles.get(WEBHOOK_PARTNER) as PartnerProfile;
  const ops = new OpsClient(pipeline.url, BENCH_OPS_TOKEN);
  const sut: SystemUnderTest = {
    mode: 'remote',
    url: pipeline.url,
    ops,
    webhookSecrets: new Map([[WEBHOOK_PARTNER, pipeline.secret]]),
    stop: () => ops.close(),
  };
  const senders: WebhookSender[] = [];

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
      const sender = new WebhookSender({
        runId,
        partnerId: WEBHOOK_PARTNER,
        target: options.target ?? `${pipeline.url}/webhooks/${WEBHOOK_PARTNER}`,
        secret: pipeline.secret,
        windowS: partner.webhook?.window_s ?? 300,
        clock: pipeline.clock,
        random: random.fork('sender'),
        journal: new Journal({ piiFields: piiFields(partner) }),
        timeoutMs: 10_000,
      });
      senders.push(sender);
      const metrics = await ops.get<string>('/metrics');
      if (metrics.status !== 200) throw new Error(`GET /metrics answered ${metrics.status}`);
      const context: ScenarioContext = {
        runId,
        seed: random.seed,
        scenario,
        partner,
        random,
        clock: pipeline.clock,
        sut: options.log ? { ...sut, log: options.log } : sut,
        sender,
        startedAtMs: Math.floor(pipeline.clock.now() / 1000) * 1000,
        metricsAtStart: parsePrometheusText(String(metrics.body)),
        sentEvents: new Map(),
        deliveries: new Map(),
      };
      for (const step of steps) {
        const kind = STEP_KINDS[step.kind];
        if (!kind) throw new Error(`unknown step kind ${step.kind}`);
        const output = await kind.run(step as never, context);
        context.deliveries.set(step.id, output.records);
      }
      return context;
    },
    async judge(oracle, context) {
      if (!validateOracle(oracle))
        throw new Error(`bench oracle is not a valid scenario oracle: ${problems(validateOracle)}`);
      const kind = ORACLE_KINDS[oracle.kind];
      if (!kind) throw new Error(`unknown oracle kind ${oracle.kind}`);
      const { result, reads } = await context.sut.ops.recording(() =>
        kind.evaluate(oracle as never, context),
      );
      return { ...result, reads };
    },
    async close() {
      await Promise.allSettled(senders.map((sender) => sender.close()));
      await ops.close();
      await pipeline.close();
    },
  };
}

function problems(validate: { errors?: Parameters<typeof describeSchemaErrors>[0] }): string {
  return describeSchemaErrors(validate.errors)
    .map((problem) => `${problem.path || '/'} ${problem.reason}`)
    .join('; ');
}

/** The id a step's nth delivery carries (the sender numbers deliveries per play, from 1). */
export function correlationIdOf(context: ScenarioContext, stepId: string, nth = 0): string {
  const record = context.deliveries.get(stepId)?.[nth];
  if (!record) throw new Error(`step ${stepId} has no delivery #${nth}`);
  return record.correlationId;
}

/** An inbox URL on a loopback port nothing listens on any more: every delivery gets no answer. */
export async function unreachableInbox(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhooks/${WEBHOOK_PARTNER}`;
}
