import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { piiFields, type PartnerProfile } from '../../contracts/partners/partnerProfile.js';
import { generateWebhookSecret } from '../../contracts/signatures/webhookSecret.js';
import { certify, type CertifyOutcome } from '../../harness/run/certify.js';
import { systemClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/logger.js';
import { projectPath } from '../../lib/projectPaths.js';
import { REDACTED, Redactor } from '../../lib/redact.js';
import { seededRandom } from '../../lib/seededRandom.js';
import { resolvePartnerSecrets } from '../../pipeline/partnerSecrets.js';
import { startPipelineServer, type RunningPipeline } from '../../pipeline/server.js';
import type { Store } from '../../pipeline/store/store.js';
import { Journal } from '../../simulators/journal.js';
import type { PartnerEvent } from '../../simulators/webhook/partnerEvent.js';
import { WebhookSender, type DeliveryRecord } from '../../simulators/webhook/webhookSender.js';
import { createCliScratch, type CliScratch } from '../support/cliRunner.js';
import { bundleFiles, readJournal, readNdjson } from '../support/evidenceBundle.js';
import { loadTestProfiles } from '../support/pipelineUnderTest.js';

// The marker test: unique values planted in every PII field of valid and invalid payloads are
// driven through the real pipeline and the harness; then every log line, journal entry, audit
// row, alert and evidence file is searched for them and for the secrets. Zero hits, and proof
// that the markers did reach the pipeline, so that zero is not vacuous.

/** Every webhook secret generated in this process (certify generates the bundled pipeline's). */
const generated = vi.hoisted(() => ({ secrets: [] as string[] }));
vi.mock(import('../../contracts/signatures/webhookSecret.js'), async (importOriginal) => {
  const actual = await importOriginal();
  return {
    ...actual,
    generateWebhookSecret: () => {
      const secret = actual.generateWebhookSecret();
      generated.secrets.push(secret);
      return secret;
    },
  };
});

const PARTNER = 'p_001';
const RUN_TIMEOUT_MS = 150_000;

/**
 * Seven letters that are not hex digits: a marker's core, in no sha256, uuid or run id. Each
 * marker is `<nonce><case>_<field>@example.org`; a search for the nonce also finds a parser's
 * snippet that quotes only the start of a value.
 */
const NONCE = Array.from({ length: 7 }, () => 'ghijkmnpqrstuvwxyz'[randomInt(18)]).join('');
const marker = (planted: string, field: string) => `${NONCE}${planted}_${field}@example.org`;

let profile: PartnerProfile;
/** The partner's names of the fields its profile flags as PII (p_001: BuyerEmail). */
let piiPartnerFields: string[];

beforeAll(async () => {
  const profiles = await loadTestProfiles();
  profile = profiles.get(PARTNER) as PartnerProfile;
  piiPartnerFields = (profile.field_mapping?.order ?? [])
    .filter((rule) => rule.pii)
    .map((rule) => rule.partner);
  expect(piiPartnerFields.length).toBeGreaterThan(0);
});

/** Every PII field of an order, each with its own marker for this case (`suffix` appended). */
function plantedFields(planted: string, suffix = ''): Record<string, string> {
  return Object.fromEntries(
    piiPartnerFields.map((field) => [field, `${marker(planted, field)}${suffix}`]),
  );
}

/** Where a text leaks: the markers (by their nonce) and the given secrets. */
function leaks(text: string, secrets: string[]): string[] {
  const found: string[] = [];
  if (text.includes(NONCE))
    found.push(`marker ${text.slice(text.indexOf(NONCE), text.indexOf(NONCE) + 24)}`);
  for (const secret of secrets)
    if (text.includes(secret)) found.push(`secret ${secret.slice(0, 10)}…`);
  return found;
}

describe('the pipeline, driven with the webhook sender: its log, its audit trail, the journal', () => {
  const secret = generateWebhookSecret();
  const opsToken = `ops-${randomBytes(18).toString('base64url')}`;
  const logLines: string[] = [];
  // Ids carry no nonce: only a planted value may.
  const runId = `pii-${randomBytes(3).toString('hex')}`;
  let running: RunningPipeline;
  let journal: Journal;
  let sender: WebhookSender;
  const sent = new Map<string, DeliveryRecord>();

  const opsGet = async (path: string) => {
    const response = await fetch(`${running.url}${path}`, {
      headers: { authorization: `Bearer ${opsToken}` },
    });
    return { status: response.status, text: await response.text() };
  };

  const event = (ref: string, order: Record<string, unknown>): PartnerEvent => {
    const now = new Date(systemClock.now()).toISOString();
    return {
      eventId: `evt-${runId}-${ref}`,
      type: 'order.created',
      occurredAt: now,
      order: {
        OrderNumber: `ORD-${runId}-${ref}`,
        TotalGross: 1234,
        CurrencyCode: 'EUR',
        LastModified: now,
        ...order,
      },
    };
  };

  const raw = (planted: string, body: Buffer, contentType?: string) =>
    sender.sendRaw({
      body,
      eventId: `evt-${runId}-${planted}`,
      contentType,
      correlationPrefix: `${runId}.${planted}`,
    });

  beforeAll(async () => {
    const profiles = await loadTestProfiles();
    running = await startPipelineServer({
      host: '127.0.0.1',
      port: 0,
      store: {},
      profiles,
      secrets: resolvePartnerSecrets(profiles, { B2B_P_001_WEBHOOK_SECRET: secret }),
      // What `b2b pipeline serve` writes to stdout, every level.
      logger: createLogger({
        name: 'b2b-pipeline',
        level: 'trace',
        destination: { write: (line: string) => void logLines.push(line) },
      }),
      opsToken,
    });
    journal = new Journal({
      redactor: new Redactor({ piiFields: piiFields(profile), secrets: [secret, opsToken] }),
    });
    sender = new WebhookSender({
      runId,
      partnerId: PARTNER,
      target: `${running.url}/webhooks/${PARTNER}`,
      secret,
      windowS: profile.webhook?.window_s ?? 300,
      clock: systemClock,
      random: seededRandom(7),
      journal,
    });
    const first = (records: DeliveryRecord[]) => records[0] as DeliveryRecord;
    const send = async (planted: string, order: Record<string, unknown>, ref = planted) =>
      first(
        await sender.send({
          events: [event(ref, order)],
          correlationPrefix: `${runId}.${planted}`,
        }),
      );
    const primary = piiPartnerFields[0] as string;

    sent.set('valid', await send('valid', plantedFields('valid')));
    sent.set('conflict', await send('conflict', plantedFields('conflict'), 'valid'));
    sent.set(
      'broken_json',
      await raw(
        'broken_json',
        Buffer.from(
          `{"event_id":"e","data":{"order":{"${primary}":"${marker('broken_json', primary)}" "OrderNumber":"A-1"}}}`,
        ),
      ),
    );
    sent.set(
      'unquoted',
      await raw(
        'unquoted',
        Buffer.from(`{"data":{"order":{"${primary}": ${marker('unquoted', primary)}}}}`),
      ),
    );
    sent.set(
      'contract',
      await raw(
        'contract',
        Buffer.from(
          JSON.stringify({
            event_id: `evt-${runId}-contract`,
            type: 'order.shipped',
            occurred_at: new Date().toISOString(),
            data: { order: plantedFields('contract') },
          }),
        ),
      ),
    );
    sent.set('mapping', await send('mapping', plantedFields('mapping', '\u0001')));
    // The store fails the statement that carries this payload: a real PGlite error, with the
    // statement and its parameters (the whole payload) attached, reaching the error handler.
    const store = running.store;
    const query = store.query.bind(store);
    const failing = marker('store_fails', primary);
    store.query = ((text: string, params?: unknown[]) =>
      params?.some((param) => typeof param === 'string' && param.includes(failing))
        ? query('select $1::text from pii_probe_no_such_table', params)
        : query(text, params)) as Store['query'];
    sent.set('store_fails', await send('store_fails', plantedFields('store_fails')));
    sent.set('unstorable', await send('unstorable', plantedFields('unstorable', '\u0000')));
    sent.set(
      'form',
      await raw(
        'form',
        Buffer.from(`${primary}=${encodeURIComponent(marker('form', primary))}&OrderNumber=A-1`),
      ),
    );
    sent.set(
      'form_typed',
      await raw(
        'form_typed',
        Buffer.from(`${primary}=${marker('form_typed', primary)}`),
        'application/x-www-form-urlencoded',
      ),
    );
    sent.set(
      'binary',
      await raw(
        'binary',
        Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(marker('binary', primary))]),
      ),
    );
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await sender?.close();
    running?.server.closeAllConnections();
    await running?.close();
  });

  it('got the markers into the pipeline: the valid order holds them, every delivery is audited', async () => {
    expect(sent.get('valid')?.status).toBe(200);
    const order = await opsGet(`/ops/orders/${PARTNER}/ORD-${runId}-valid`);
    expect(order.status).toBe(200);
    for (const field of piiPartnerFields) expect(order.text).toContain(marker('valid', field));

    const expected: Record<string, [number, string]> = {
      valid: [200, 'processed'],
      conflict: [409, 'conflict'],
      broken_json: [400, 'refused'],
      unquoted: [400, 'refused'],
      contract: [422, 'refused'],
      mapping: [422, 'refused'],
      store_fails: [500, 'none'],
      unstorable: [422, 'refused'],
      form: [400, 'refused'],
      form_typed: [415, 'refused'],
      binary: [400, 'refused'],
    };
    for (const [planted, record] of sent) {
      const [status, outcome] = expected[planted] as [number, string];
      expect(record.status, planted).toBe(status);
      const audit = await opsGet(
        `/ops/deliveries?correlation_id=${encodeURIComponent(record.correlationId)}`,
      );
      const rows = (JSON.parse(audit.text) as { items: { outcome: string }[] }).items;
      expect(
        rows.map((row) => row.outcome),
        planted,
      ).toEqual(outcome === 'none' ? [] : [outcome]);
      expect(
        logLines.some((line) => line.includes(record.correlationId)),
        planted,
      ).toBe(true);
    }
    // The store's failure is in the log, as name, message, code and stack frames only.
    const failed = logLines
      .map((line) => JSON.parse(line) as { correlation_id?: string; err?: Record<string, unknown> })
      .find((line) => line.correlation_id === sent.get('store_fails')?.correlationId && line.err);
    expect(failed?.err).toMatchObject({
      code: '42P01',
      message: expect.stringContaining('pii_probe'),
    });
    expect(Object.keys(failed?.err ?? {}).sort()).toEqual(['code', 'message', 'name', 'stack']);
  });

  it('writes no marker and no secret in any log line', () => {
    expect(logLines.length).toBeGreaterThanOrEqual(sent.size);
    const hits = logLines.flatMap((line) =>
      leaks(line, [secret, opsToken]).map((hit) => `${hit} in ${line}`),
    );
    expect(hits).toEqual([]);
  });

  it('keeps no marker and no secret in the journal, and says what it masked', () => {
    const entries = journal.entries();
    expect(entries).toHaveLength(sent.size);
    const hits = entries.flatMap((entry) =>
      leaks(JSON.stringify(entry), [secret, opsToken]).map(
        (hit) => `${hit} in ${entry.correlation_id}`,
      ),
    );
    expect(hits).toEqual([]);
    const valid = entries.find(
      (entry) => entry.correlation_id === sent.get('valid')?.correlationId,
    );
    expect(JSON.parse(valid?.request.body ?? '{}')).toMatchObject({
      data: { order: Object.fromEntries(piiPartnerFields.map((field) => [field, REDACTED])) },
    });
    const binary = entries.find(
      (entry) => entry.correlation_id === sent.get('binary')?.correlationId,
    );
    expect(binary?.request.body).toMatch(/^\[binary body: /);
  });

  it('keeps no marker in any audit reason or alert', async () => {
    for (const path of [
      `/ops/deliveries?partner_id=${PARTNER}&limit=500`,
      `/ops/alerts?partner_id=${PARTNER}&limit=500`,
    ]) {
      const answer = await opsGet(path);
      expect(answer.status, path).toBe(200);
      expect(leaks(answer.text, [secret, opsToken]), path).toEqual([]);
    }
  });
});

describe('b2b certify with planted markers: every file of the evidence bundle', () => {
  let scratch: CliScratch;
  let outcome: CertifyOutcome;
  let bundle: string;

  beforeAll(async () => {
    scratch = await createCliScratch('b2b-e2e-pii-');
    const scenariosDir = join(scratch.dir, 'scenarios');
    await mkdir(scenariosDir);
    for (const [id, text] of Object.entries(markerScenarios())) {
      await writeFile(join(scenariosDir, `${id}.yaml`), text);
    }
    bundle = join(scratch.dir, 'bundle');
    outcome = await certify({
      partnersDir: projectPath('partners'),
      scenariosDir,
      outDir: bundle,
      seed: 11,
      evidenceKeyFile: scratch.keyFile,
      env: scratch.env(),
    });
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await scratch?.dispose();
  });

  it('got the markers into the pipeline: every scenario passes its oracles', () => {
    const failures = outcome.result.scenarios.flatMap((scenario) => [
      ...(scenario.error ? [`${scenario.id}: ${scenario.error}`] : []),
      ...scenario.oracles
        .filter((oracle) => oracle.verdict !== 'pass')
        .map((oracle) => `${scenario.id}: ${oracle.kind} ${oracle.message}`),
    ]);
    expect(failures).toEqual([]);
    expect(outcome.result.summary).toMatchObject({ scenarios: 2, passed: 2 });
  });

  it('writes no marker and no secret in any file of the bundle', async () => {
    const secrets = [...generated.secrets];
    expect(secrets.length).toBeGreaterThan(0);
    const files = await bundleFiles(bundle);
    expect(files).toEqual(
      expect.arrayContaining([
        'result.json',
        'report.html',
        'junit.xml',
        'pipeline/pipeline.log.ndjson',
        'scenarios/PII-valid/scenario.yaml',
        'scenarios/PII-valid/journal.ndjson',
        'scenarios/PII-refused/pipeline-log.ndjson',
      ]),
    );
    const hits: string[] = [];
    for (const file of files) {
      const text = (await readFile(join(bundle, file))).toString('latin1');
      for (const hit of leaks(text, secrets)) hits.push(`${hit} in ${file}`);
      // The ops token is not known here: no bearer credential may appear at all.
      if (/Bearer (?!\[redacted\])[\w-]{8,}/.test(text)) hits.push(`bearer token in ${file}`);
    }
    expect(hits).toEqual([]);
  });

  it('has the log lines and journal entries of every delivery, masked rather than dropped', async () => {
    const log = await readNdjson(join(bundle, 'pipeline', 'pipeline.log.ndjson'));
    const runId = outcome.result.run_id;
    for (const id of ['PII-valid', 'PII-refused']) {
      const journal = await readJournal(bundle, id);
      expect(journal.length, id).toBeGreaterThanOrEqual(id === 'PII-valid' ? 3 : 7);
      for (const entry of journal)
        expect(
          log.some((line) => line.correlation_id === entry.correlation_id),
          entry.correlation_id,
        ).toBe(true);
    }
    const created = (await readJournal(bundle, 'PII-valid'))[0];
    expect(created?.correlation_id.startsWith(`${runId}.PII-valid.created.`)).toBe(true);
    expect(JSON.parse(created?.request.body ?? '{}')).toMatchObject({
      data: { order: Object.fromEntries(piiPartnerFields.map((field) => [field, REDACTED])) },
    });
    const scenarioFile = await readFile(
      join(bundle, 'scenarios', 'PII-refused', 'scenario.yaml'),
      'utf8',
    );
    expect(scenarioFile).toContain(REDACTED);
  });
});

/** YAML flow mappings of the PII fields, each with this case's marker (YAML escapes allowed). */
function yamlFields(planted: string, suffix = ''): string {
  return piiPartnerFields
    .map((field) => `${field}: "${marker(planted, field)}${suffix}"`)
    .join(', ');
}

/** Two scenarios: valid events carrying PII, and every kind of refused payload carrying it. */
function markerScenarios(): Record<string, string> {
  const primary = piiPartnerFields[0] as string;
  const rawStep = (id: string, text: string, extra = '') =>
    [
      `  - id: ${id}`,
      '    kind: webhook.sendRaw',
      `    title: A ${id.replace('_', ' ')} body carrying personal data`,
      `    body: { text: '${text}' }`,
      ...(extra ? [`    ${extra}`] : []),
    ].join('\n');
  const refused = (step: string) =>
    `  - { kind: audit.recorded, step: ${step}, expect: { outcome: refused } }`;
  return {
    'PII-valid': `id: PII-valid
title: Events carrying personal data are processed, replayed and reused
kind: main
partner: ${PARTNER}
flow: webhook
expected: Processed once, the replay changes nothing, the reused id is a conflict; no PII in any file.
steps:
  - id: created
    kind: webhook.send
    title: Acme sends an order with the buyer's personal data
    events:
      - { ref: e1, type: order.created, order: o1, fields: { ${yamlFields('valid')} } }
  - id: replay
    kind: webhook.redeliver
    title: Acme replays it
    of: created
  - id: reused
    kind: webhook.send
    title: The same event id with other personal data
    events:
      - { ref: e1, type: order.created, order: o1, fields: { ${yamlFields('reused')} } }
oracles:
  - { kind: delivery.response, step: created, expect: { status: 200, outcome: processed } }
  - { kind: order.state, order: o1, expect: { status: open }, chain: { e1: applied } }
  - { kind: inbox.exactlyOnce, events: [e1], replayed: 1 }
  - { kind: audit.recorded, step: reused, expect: { outcome: conflict } }
  - { kind: log.recorded, step: created, message: webhook event processed }
`,
    'PII-refused': `id: PII-refused
title: Refused payloads carrying personal data
kind: exception
partner: ${PARTNER}
flow: webhook
expected: Each is refused and audited; no PII in any file.
steps:
${rawStep('broken_json', `{"event_id":"e","data":{"order":{"${primary}":"${marker('broken_json', primary)}" "OrderNumber":"A-1"}}}`)}
${rawStep('unquoted', `{"data":{"order":{"${primary}": ${marker('unquoted', primary)}}}}`)}
${rawStep('contract', `{"event_id":"evt-pii-contract","type":"order.shipped","occurred_at":"2026-01-15T12:00:00Z","data":{"order":{"OrderNumber":"A-1","${primary}":"${marker('contract', primary)}"}}}`)}
  - id: mapping
    kind: webhook.send
    title: Personal data with a control character, which the mapping refuses
    events:
      - { ref: e6, type: order.created, order: o6, fields: { ${yamlFields('mapping', '\\x01')} } }
  - id: unstorable
    kind: webhook.send
    title: Personal data with a NUL, which no PostgreSQL text can hold
    events:
      - { ref: e7, type: order.created, order: o7, fields: { ${yamlFields('unstorable', '\\0')} } }
${rawStep('form', `${primary}=${encodeURIComponent(marker('form', primary))}&OrderNumber=A-1`)}
${rawStep('form_typed', `${primary}=${marker('form_typed', primary)}`, 'content_type: application/x-www-form-urlencoded')}
oracles:
  - { kind: delivery.response, step: broken_json, expect: { status: 400 } }
  - { kind: delivery.response, step: form_typed, expect: { status: 415 } }
${['broken_json', 'unquoted', 'contract', 'mapping', 'unstorable', 'form', 'form_typed'].map(refused).join('\n')}
  - { kind: inbox.absent, events: [e6, e7] }
  - { kind: log.recorded, step: unquoted, message: webhook delivery refused }
`,
  };
}
