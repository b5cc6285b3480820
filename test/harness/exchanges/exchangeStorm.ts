/**
 * A storm of exchanges through the harness, in a process of its own so its peak memory is its own
 * (`process.resourceUsage().maxRSS`). Prints one JSON line: how many exchanges, the verdicts, the
 * peak RSS. Two ways:
 *
 *   node --import tsx test/harness/exchanges/exchangeStorm.ts log 200000
 *     200,000 exchanges appended to an exchange log, then judged by delivery.tally and
 *     delivery.response and counted by the webhook flow's report (no network);
 *   node --import tsx test/harness/exchanges/exchangeStorm.ts webhook 200000
 *     a whole webhook scenario through runScenario: events × `burst: 1000` signed and sent over
 *     loopback by the real sender to a stub inbox, streamed to the evidence, then judged.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  loadPartnerProfiles,
  type PartnerProfile,
} from '../../../contracts/partners/partnerProfile.js';
import type { ScenarioDocument } from '../../../contracts/scenarios/scenario.js';
import { EvidenceFolder } from '../../../harness/evidence/evidenceFolder.js';
import type { ExchangeDraft } from '../../../harness/exchanges/exchange.js';
import { ExchangeLog } from '../../../harness/exchanges/exchangeLog.js';
import { ORACLE_KINDS } from '../../../harness/flows/index.js';
import { webhookFlow } from '../../../harness/flows/webhook/webhookFlow.js';
import { webhookReport } from '../../../harness/flows/webhook/webhookReport.js';
import { PartnerDocuments } from '../../../harness/run/partnerDocuments.js';
import { runScenario } from '../../../harness/run/runScenario.js';
import type { ScenarioContext } from '../../../harness/run/scenarioContext.js';
import { OpsClient } from '../../../harness/sut/opsClient.js';
import type { SystemUnderTest } from '../../../harness/sut/systemUnderTest.js';
import { DEFAULT_CERTIFICATION_TIME } from '../../../harness/time/certificationTime.js';
import { systemClock } from '../../../lib/clock.js';
import { projectPath } from '../../../lib/projectPaths.js';
import { Redactor } from '../../../lib/redact.js';
import { seededRandom } from '../../../lib/seededRandom.js';

const BURST = 1000;

/** With --expose-gc: the live heap, sampled ten times over the storm (what memory is kept). */
const gc = (globalThis as { gc?: () => void }).gc;
let retainedHeapMb = 0;
let sampledAt = 0;
function sample(done: number): void {
  if (!gc || done < sampledAt + count / 10) return;
  sampledAt = done;
  gc();
  retainedHeapMb = Math.max(retainedHeapMb, Math.round(process.memoryUsage().heapUsed / 2 ** 20));
}

const [mode = 'log', countText = '200000'] = process.argv.slice(2);
const count = Number(countText);
const folder = await mkdtemp(join(tmpdir(), 'b2b-exchange-storm-'));
const profiles = await loadPartnerProfiles(projectPath('partners'));
const partner = profiles.get('p_001') as PartnerProfile;
const redactor = new Redactor({ piiFields: ['BuyerEmail', 'buyer_email'] });
const started = performance.now();
try {
  const outcome = mode === 'webhook' ? await webhookStorm() : await logStorm();
  process.stdout.write(
    `${JSON.stringify({
      mode,
      ...outcome,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(gc ? { retained_heap_mb: retainedHeapMb } : {}),
    })}\n`,
  );
} finally {
  await rm(folder, { recursive: true, force: true });
}

/** `count` deliveries of one step, 1 processed and the rest replayed, judged and counted. */
async function logStorm() {
  const exchanges = await ExchangeLog.create(join(folder, 'exchanges.ndjson'), redactor);
  const report = webhookReport(partner, { secret: 'unused', secretSource: 'storm' });
  for (let n = 1; n <= count; n++) {
    const draft: ExchangeDraft = {
      flow: 'webhook',
      protocol: 'http',
      from: 'partner p_001',
      to: 'pipeline',
      noun: 'delivery',
      message: 'POST /webhooks/p_001',
      message_id: 'evt-storm-e1',
      message_kind: 'event',
      correlation_id: `storm.B-900.storm.${n}`,
      faults: ['burst'],
      answer: {
        status: 200,
        outcome: n === 1 ? 'processed' : 'replayed',
        acknowledgment: 'acknowledged',
      },
      facts: { scheme: 'x-signature' },
      journal_seq: n,
      at: new Date().toISOString(),
      duration_ms: 1,
    };
    report.count(await exchanges.append('storm', draft));
    sample(n);
  }
  const context = {
    exchanges,
    documents: new PartnerDocuments(),
    partner,
  } as unknown as ScenarioContext;
  const verdicts = [];
  for (const oracle of [
    { kind: 'delivery.tally', step: 'storm', expect: { processed: 1, replayed: count - 1 } },
    {
      kind: 'delivery.response',
      step: 'storm',
      select: { fault: 'burst' },
      expect: { status: 200 },
    },
  ]) {
    const kind = ORACLE_KINDS.get(oracle.kind)?.oracle;
    verdicts.push((await kind?.evaluate(oracle as never, context))?.verdict);
    sampledAt = 0;
    sample(count);
  }
  await exchanges.close();
  return { exchanges: exchanges.total, verdicts, report: report.exchanges() };
}

/** A webhook scenario of count / 1000 events, each in a burst of 1000, through runScenario. */
async function webhookStorm() {
  // STORM_INBOX_URL: an inbox in another process, so the peak is the harness's alone.
  const inbox = process.env.STORM_INBOX_URL
    ? {
        url: process.env.STORM_INBOX_URL,
        secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
        close: async () => {},
      }
    : await stubInbox();
  const ops = new OpsClient(inbox.url);
  const sut: SystemUnderTest = { mode: 'remote', url: inbox.url, ops, stop: () => ops.close() };
  const events = Math.max(1, Math.round(count / BURST));
  const document: ScenarioDocument = {
    id: 'B-900',
    title: 'A retry storm',
    kind: 'exception',
    partner: 'p_001',
    flow: 'webhook',
    expected: 'Every delivery answered; one processed per event.',
    steps: [
      {
        id: 'storm',
        kind: 'webhook.send',
        title: 'Every event a thousand times at once',
        events: Array.from({ length: events }, (_, n) => ({
          ref: `e${n}`,
          type: 'order.created',
          order: `o${n}`,
        })),
        faults: [{ name: 'burst', count: BURST }],
      },
    ],
    oracles: [
      {
        kind: 'delivery.tally',
        step: 'storm',
        expect: { processed: events, replayed: events * (BURST - 1) },
      },
      {
        kind: 'delivery.response',
        step: 'storm',
        select: { fault: 'burst' },
        expect: { status: 200 },
      },
    ],
  };
  const evidence = await EvidenceFolder.create(join(folder, 'evidence'), redactor);
  const report = webhookReport(partner, { secret: 'unused', secretSource: 'storm' });
  try {
    const result = await runScenario(
      { file: 'B-900.yaml', document, source: 'id: B-900\n' },
      {
        runId: 'storm',
        seed: 1,
        random: seededRandom(1),
        clock: systemClock,
        time: DEFAULT_CERTIFICATION_TIME,
        sut,
        partner,
        evidence,
        rerun: 'none',
        flow: webhookFlow,
        side: { secret: inbox.secret, secretSource: 'storm' },
        onExchange: (exchange) => {
          report.count(exchange);
          sample(exchange.seq);
        },
      },
    );
    return {
      exchanges: result.steps[0]?.exchanges,
      verdict: result.verdict,
      error: result.error,
      verdicts: result.oracles.map((oracle) => oracle.verdict),
      summary: result.steps[0]?.summary,
      report: report.exchanges(),
    };
  } finally {
    await sut.stop();
    await inbox.close();
  }
}

/** An inbox that takes anything: the first delivery of an event processed, the rest replayed. */
async function stubInbox() {
  const seen = new Set<string>();
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('');
        return;
      }
      const { event_id: eventId } = JSON.parse(Buffer.concat(chunks).toString()) as {
        event_id: string;
      };
      const status = seen.has(eventId) ? 'replayed' : 'processed';
      seen.add(eventId);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status, event_id: eventId }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
