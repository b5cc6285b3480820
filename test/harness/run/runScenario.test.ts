import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartnerProfile } from '../../../contracts/partners/partnerProfile.js';
import { loadPartnerProfiles } from '../../../contracts/partners/partnerProfile.js';
import type { ScenarioDocument } from '../../../contracts/scenarios/scenario.js';
import { EvidenceFolder } from '../../../harness/evidence/evidenceFolder.js';
import type { Exchange } from '../../../harness/exchanges/exchange.js';
import type { Flow } from '../../../harness/flows/flow.js';
import { runScenario } from '../../../harness/run/runScenario.js';
import { OpsClient } from '../../../harness/sut/opsClient.js';
import type { SystemUnderTest } from '../../../harness/sut/systemUnderTest.js';
import { DEFAULT_CERTIFICATION_TIME } from '../../../harness/time/certificationTime.js';
import { systemClock } from '../../../lib/clock.js';
import { projectPath } from '../../../lib/projectPaths.js';
import { Redactor } from '../../../lib/redact.js';
import { seededRandom } from '../../../lib/seededRandom.js';

// The runtime carries a mode it has never seen, through the Flow interface alone: a server-mode
// "files" flow (a stand-in for the partner's SFTP server: the pipeline fetches what the partner
// dropped) whose partner server starts at provision, before any SUT, keyed by run and partner.

interface FilesSide {
  url: string;
  /** What each run's partner has on its server, by run id: one server, many runs. */
  files: Map<string, string[]>;
  stop(): Promise<void>;
}

interface FilesSession {
  runId: string;
  side: FilesSide;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The partner's file server: takes `PUT /<run>/<name>`, answers 201 with how many it holds. */
async function startFileServer(): Promise<FilesSide> {
  const files = new Map<string, string[]>();
  const server = createServer((req, res) => {
    const [, runId = '', name = ''] = (req.url ?? '').split('/');
    files.set(runId, [...(files.get(runId) ?? []), name]);
    req.resume();
    res
      .writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'accepted', held: files.get(runId)?.length }));
  });
  const url = await listen(server);
  return { url, files, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const filesFlow: Flow<FilesSide, FilesSession> = {
  mode: 'files',
  title: 'the pipeline fetches files the partner drops on its server',
  role: 'server',
  steps: [
    {
      kind: 'files.drop',
      summary: 'the partner drops files on its server',
      schema: { type: 'object', required: ['kind'], properties: { kind: { const: 'files.drop' } } },
      async run(step: { id: string; names: string[] }, { context, session, record }) {
        for (const [index, name] of step.names.entries()) {
          const response = await request(`${session.side.url}/${session.runId}/${name}`, {
            method: 'PUT',
            body: 'sku,qty\n',
          });
          const body = (await response.body.json()) as { status: string };
          await record({
            flow: 'files',
            protocol: 'http',
            from: `partner ${context.partner.partner_id}`,
            to: `partner ${context.partner.partner_id} server`,
            noun: 'file',
            message: `PUT inbox/${name}`,
            message_id: name,
            message_kind: 'file',
            correlation_id: `${context.runId}.${context.scenario.id}.${step.id}.${index + 1}`,
            faults: [],
            answer: {
              status: response.statusCode,
              outcome: body.status,
              acknowledgment: 'acknowledged',
            },
            at: new Date().toISOString(),
            duration_ms: 1,
          });
        }
      },
    },
  ],
  faults: [],
  oracles: [],
  schemaDefs: {},
  appliesTo: () => true,
  async provision(partner) {
    const side = await startFileServer();
    return {
      side,
      settings: [
        {
          variable: 'B2B_P_002_SFTP_URL',
          purpose: "the partner's file server",
          partner_id: partner.partner_id,
          flow: 'files',
          sensitive: false,
          value: side.url,
          source: 'partner server',
        },
      ],
      secrets: [],
      servers: [{ partner_id: partner.partner_id, flow: 'files', address: side.url }],
      stop: () => side.stop(),
    };
  },
  async openSession({ context, side }) {
    return { session: { runId: context.runId, side }, close: async () => {} };
  },
  report() {
    let sent = 0;
    return {
      count: () => void sent++,
      exchanges: () => ({ sent, acknowledged: sent, refused: 0, failed: 0 }),
      connectivity: () => [],
    };
  },
};

let scratch: string;
let partner: PartnerProfile;
let metricsServer: Server;
let sut: SystemUnderTest;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'b2b-run-scenario-'));
  partner = (await loadPartnerProfiles(projectPath('partners'))).get('p_002') as PartnerProfile;
  // The SUT as the runtime sees it: here only /metrics, read before the first step.
  metricsServer = createServer((_req, res) => res.writeHead(200).end(''));
  const ops = new OpsClient(await listen(metricsServer));
  sut = { mode: 'remote', url: ops.baseUrl, ops, stop: () => ops.close() };
});

afterAll(async () => {
  await sut?.stop();
  await new Promise((resolve) => metricsServer?.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});

const SCENARIO: ScenarioDocument = {
  id: 'F-001',
  title: 'Two files dropped',
  kind: 'main',
  partner: 'p_002',
  flow: 'files',
  expected: 'Both files are taken.',
  steps: [
    { id: 'drop', kind: 'files.drop', title: 'Globex drops two files', names: ['a.csv', 'b.csv'] },
  ],
  oracles: [
    { kind: 'delivery.tally', step: 'drop', expect: { accepted: 2 } },
    { kind: 'delivery.response', step: 'drop', expect: { status: 201 } },
  ],
};

async function run(runId: string, side: FilesSide, counted: Exchange[]) {
  const evidence = await EvidenceFolder.create(join(scratch, runId), new Redactor());
  const result = await runScenario(
    { file: 'F-001.yaml', document: SCENARIO, source: 'id: F-001\n' },
    {
      runId,
      seed: 1,
      random: seededRandom(1),
      clock: systemClock,
      time: DEFAULT_CERTIFICATION_TIME,
      sut,
      partner,
      evidence,
      rerun: 'npx b2b certify --scenario F-001',
      flow: filesFlow as Flow,
      side,
      onExchange: (exchange) => counted.push(exchange),
    },
  );
  return { result, evidence };
}

describe('runScenario with a flow of another mode', () => {
  it('runs its steps, streams its exchanges, judges them with the general oracles', async () => {
    const provisioned = await filesFlow.provision(partner, {
      runId: 'run-a',
      sut: 'bundled',
      env: {},
      time: DEFAULT_CERTIFICATION_TIME,
    });
    const counted: Exchange[] = [];
    try {
      const { result, evidence } = await run('run-a', provisioned.side, counted);
      expect(result).toMatchObject({ verdict: 'pass', flow: 'files' });
      expect(result.steps).toEqual([
        expect.objectContaining({ exchanges: 2, summary: '2 files: 201 accepted, 201 accepted' }),
      ]);
      expect(result.oracles.map((oracle) => [oracle.kind, oracle.verdict, oracle.message])).toEqual(
        [
          ['delivery.tally', 'pass', 'tally as expected'],
          ['delivery.response', 'pass', '2 files answered as expected'],
        ],
      );
      expect(counted.map((exchange) => exchange.message_id)).toEqual(['a.csv', 'b.csv']);
      const lines = (await readFile(evidence.path('scenarios/F-001/exchanges.ndjson'), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Exchange);
      expect(lines.map((exchange) => [exchange.seq, exchange.noun, exchange.message])).toEqual([
        [1, 'file', 'PUT inbox/a.csv'],
        [2, 'file', 'PUT inbox/b.csv'],
      ]);
    } finally {
      await provisioned.stop?.();
    }
  });

  it('runs two runs at once against one partner server, each seeing only its own', async () => {
    const provisioned = await filesFlow.provision(partner, {
      runId: 'shared',
      sut: 'bundled',
      env: {},
      time: DEFAULT_CERTIFICATION_TIME,
    });
    try {
      const [first, second] = await Promise.all(
        ['run-b', 'run-c'].map((runId) => run(runId, provisioned.side, [])),
      );
      for (const outcome of [first, second]) expect(outcome?.result.verdict).toBe('pass');
      expect(provisioned.side.files.get('run-b')).toEqual(['a.csv', 'b.csv']);
      expect(provisioned.side.files.get('run-c')).toEqual(['a.csv', 'b.csv']);
    } finally {
      await provisioned.stop?.();
    }
  });
});
