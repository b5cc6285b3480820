import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { piiFields, type PartnerProfile } from '../../../../contracts/partners/partnerProfile.js';
import type {
  OracleDocument,
  ScenarioDocument,
  StepDocument,
} from '../../../../contracts/scenarios/scenario.js';
import { compileSchema, describeSchemaErrors } from '../../../../contracts/schemaValidator.js';
import type { FakeClock } from '../../../../lib/clock.js';
import { seededRandom } from '../../../../lib/seededRandom.js';
import type { Exchange } from '../../../../harness/exchanges/exchange.js';
import { ExchangeLog } from '../../../../harness/exchanges/exchangeLog.js';
import type { ApiSide } from '../../../../harness/flows/api/apiCredentials.js';
import type { FlowSession } from '../../../../harness/flows/flow.js';
import { FLOWS, ORACLE_KINDS, STEP_KINDS } from '../../../../harness/flows/index.js';
import type { OracleCheck } from '../../../../harness/oracles/index.js';
import { PartnerDocuments } from '../../../../harness/run/partnerDocuments.js';
import type { ScenarioContext } from '../../../../harness/run/scenarioContext.js';
import {
  SCENARIO_SCHEMA_ID,
  scenarioSchema,
} from '../../../../harness/scenarios/scenarioSchema.js';
import { parsePrometheusText } from '../../../../harness/sut/metricsSnapshot.js';
import { OpsClient, type SurfaceRead } from '../../../../harness/sut/opsClient.js';
import type { SystemUnderTest } from '../../../../harness/sut/systemUnderTest.js';
import { DEFAULT_CERTIFICATION_TIME } from '../../../../harness/time/certificationTime.js';
import { resolveApiClients } from '../../../../pipeline/api/auth/index.js';
import { clockSleeper } from '../../../../simulators/api/sleeper.js';
import { Journal } from '../../../../simulators/journal.js';
import {
  loadTestProfiles,
  startPipelineUnderTest,
  type PipelineUnderTest,
} from '../../../support/pipelineUnderTest.js';

/**
 * A bench for the api flow: the pipeline in-process (PGlite in memory, a FakeClock, an ops
 * token) with p_001's API client enabled, on an ephemeral port of 127.0.0.1, seen from the
 * harness's side as a SystemUnderTest. `play` runs real api steps through a real session exactly
 * as runScenario does; the partner's waits (Retry-After, a token kept past its expiry) move the
 * shared clock instead of taking time. `judge` evaluates one oracle. `rewrite` shows an oracle
 * what a faulty pipeline would have answered: the same exchanges, edited, in a log of their own.
 */
export interface ApiBench {
  pipeline: PipelineUnderTest;
  partner: PartnerProfile;
  play(steps: StepDocument[]): Promise<ScenarioContext>;
  judge(oracle: OracleDocument, context: ScenarioContext): Promise<Judgement>;
  rewrite(
    context: ScenarioContext,
    edit: (exchange: Exchange) => Exchange | Exchange[] | undefined,
  ): Promise<ScenarioContext>;
  close(): Promise<void>;
}

export interface Judgement extends OracleCheck {
  reads: SurfaceRead[];
}

const OPS_TOKEN = 'api-bench-ops-token-0123456789';
const PARTNER = 'p_001';

const validate = (definition: 'step' | 'oracle') => {
  compileSchema(scenarioSchema);
  return compileSchema<Record<string, unknown>>({
    $id: `https://b2b.local/test/api-bench-${definition}.schema.json`,
    $ref: `${SCENARIO_SCHEMA_ID}#/$defs/${definition}`,
  } as { $id: string });
};
const validateStep = validate('step');
const validateOracle = validate('oracle');

let plays = 0;

export async function startApiBench(): Promise<ApiBench> {
  const profiles = await loadTestProfiles();
  const secret = randomBytes(24).toString('base64url');
  const ticking: { clock?: FakeClock } = {};
  const pipeline = await startPipelineUnderTest(
    { name: 'pglite' },
    {
      profiles,
      opsToken: OPS_TOKEN,
      apiClients: resolveApiClients(profiles, { B2B_P_001_API_CLIENT_SECRET: secret }),
      // Time moves a millisecond with every request, as it does between a partner's calls: an
      // order changed twice gets two version times, so which change wins never rests on a tie.
      routesBefore: () => (_req, _res, next) => {
        ticking.clock?.advance(1);
        next();
      },
    },
  );
  ticking.clock = pipeline.clock;
  const partner = profiles.get(PARTNER) as PartnerProfile;
  const ops = new OpsClient(pipeline.url, OPS_TOKEN);
  const sut: SystemUnderTest = { mode: 'remote', url: pipeline.url, ops, stop: () => ops.close() };
  const side: ApiSide = {
    clients: [
      {
        clientId: 'acme-orders',
        secret,
        variable: 'B2B_P_001_API_CLIENT_SECRET',
        scopes: ['orders:read', 'orders:write'],
        secretSource: 'the bench pipeline',
      },
    ],
    sleeper: clockSleeper(pipeline.clock),
  };
  const folder = await mkdtemp(join(tmpdir(), 'b2b-api-bench-'));
  const sessions: FlowSession<unknown>[] = [];
  const logs: ExchangeLog[] = [];
  const flow = FLOWS.api;
  if (!flow) throw new Error('no api flow');

  return {
    pipeline,
    partner,
    async play(steps) {
      for (const step of steps)
        if (!validateStep(step)) throw new Error(`bench step: ${problems(validateStep)}`);
      plays += 1;
      // A minute between plays, from a whole second: each play's changed_since (its start) is
      // after every earlier play's orders, so no play's export sees another's, and each play
      // starts a fresh rate-limit window.
      pipeline.clock.set((Math.floor(pipeline.clock.now() / 1000) + 60) * 1000);
      const runId = `apibench${plays}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const scenario: ScenarioDocument = {
        id: 'B-901',
        title: 'api bench',
        kind: 'exception',
        partner: PARTNER,
        flow: 'api',
        expected: 'whatever the test says',
        steps,
        oracles: [],
      };
      const metrics = await ops.get<string>('/metrics');
      const exchanges = await ExchangeLog.create(join(folder, `play-${plays}.ndjson`));
      logs.push(exchanges);
      const random = seededRandom(7);
      const context: ScenarioContext = {
        runId,
        seed: random.seed,
        scenario,
        partner,
        random,
        clock: pipeline.clock,
        time: DEFAULT_CERTIFICATION_TIME,
        sut,
        startedAtMs: Math.floor(pipeline.clock.now() / 1000) * 1000,
        metricsAtStart: parsePrometheusText(String(metrics.body)),
        documents: new PartnerDocuments(),
        exchanges,
      };
      const opened = await flow.openSession({
        context,
        side,
        journal: new Journal({ piiFields: piiFields(partner) }),
      });
      sessions.push(opened);
      for (const step of steps) {
        const registered = STEP_KINDS.get(step.kind);
        if (!registered) throw new Error(`unknown step kind ${step.kind}`);
        await registered.step.run(step as never, {
          context,
          session: opened.session,
          record: async (draft) => {
            await exchanges.append(step.id, draft);
          },
        });
      }
      return context;
    },
    async judge(oracle, context) {
      if (!validateOracle(oracle)) throw new Error(`bench oracle: ${problems(validateOracle)}`);
      const kind = ORACLE_KINDS.get(oracle.kind)?.oracle;
      if (!kind) throw new Error(`unknown oracle kind ${oracle.kind}`);
      const { result, reads } = await context.sut.ops.recording(() =>
        kind.evaluate(oracle as never, context),
      );
      return { ...result, reads };
    },
    async rewrite(context, edit) {
      const log = await ExchangeLog.create(join(folder, `rewrite-${++plays}.ndjson`));
      logs.push(log);
      for (const step of context.scenario.steps)
        for await (const exchange of context.exchanges.read(step.id)) {
          const edited = edit(structuredClone(exchange));
          for (const { seq: _seq, step: _step, ...draft } of [edited ?? []].flat())
            await log.append(step.id, draft);
        }
      return { ...context, exchanges: log };
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

/** An export page exchange with its page edited, as a faulty pipeline would have answered. */
export function editPage(
  exchange: Exchange,
  change: (page: {
    items: Record<string, unknown>[];
    next_cursor: unknown;
    has_more: unknown;
  }) => void,
): Exchange {
  const facts = exchange.facts;
  if (facts?.page === undefined) return exchange;
  const page = JSON.parse(facts.page) as Parameters<typeof change>[0];
  change(page);
  return { ...exchange, facts: { ...facts, page: JSON.stringify(page) } };
}

/** Whether an exchange is a page of the export that came back. */
export function isPage(exchange: Exchange): boolean {
  return exchange.facts?.operation === 'exportOrders' && exchange.facts.page !== undefined;
}

function problems(check: { errors?: Parameters<typeof describeSchemaErrors>[0] }): string {
  return describeSchemaErrors(check.errors)
    .map((problem) => `${problem.path || '/'} ${problem.reason}`)
    .join('; ');
}
